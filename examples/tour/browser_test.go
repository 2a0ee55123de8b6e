package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The browser test runs `tour -quick`, opens its index.html in headless
// Chromium and checks that the page raised no error (no script error,
// failed resource, unhandled promise rejection or console.error) and that
// every image loaded with a non-zero size; it also takes a screenshot and
// checks that it shows a page with pictures, not a blank one. It needs a
// Chromium binary: without one it skips, unless SEEDLING_REQUIRE_BROWSER=1
// (as .ci/run sets) makes that a failure. SEEDLING_SCREENSHOT_DIR keeps
// the screenshot (and the report) in a folder of your choice.

// findChromium returns the path of a Chromium-like browser, or "".
func findChromium() string {
	if p := os.Getenv("SEEDLING_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chromiumFlags keep a headless run quiet, offline and self-contained.
func chromiumFlags(profile string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--allow-file-access-from-files", "--user-data-dir=" + profile,
	}
}

// probe is what the injected script reports about the page.
type probe struct {
	Errors []string `json:"errors"`
	Images []struct {
		Src      string `json:"src"`
		Complete bool   `json:"complete"`
		Width    int    `json:"w"`
		Height   int    `json:"h"`
	} `json:"images"`
	Title string `json:"title"`
}

// Scripts injected into a copy of the page. The first, as the first child
// of <head> (before any script of the page), records every error: script
// errors and failed resources (window 'error' events, captured), promise
// rejections nobody handles, and console.error calls. The second defines
// the report, which writes what was found into the DOM for --dump-dom: on
// load, and again at every error after it (a rejection or a late
// console.error can come after load).
const (
	catchErrors = `<script>(function(){window.__errs=[];` +
		`function push(m){window.__errs.push(String(m));if(window.__report)window.__report();}` +
		`window.addEventListener('error',function(e){` +
		`push(e.message||('failed to load '+((e.target&&(e.target.src||e.target.href))||'?')));},true);` +
		`window.addEventListener('unhandledrejection',function(e){var r=e.reason;` +
		`push('unhandled rejection: '+((r&&(r.stack||r.message))||r));});` +
		`var ce=console.error;console.error=function(){` +
		`push('console.error: '+Array.prototype.map.call(arguments,String).join(' '));return ce.apply(console,arguments);};` +
		`})();</script>`
	reportProbe = `<script>window.__report=function(){if(!window.__loaded)return;var r={errors:window.__errs,title:document.title,` +
		`images:Array.prototype.map.call(document.images,function(i){return {src:i.getAttribute('src'),complete:i.complete,w:i.naturalWidth,h:i.naturalHeight};})};` +
		`var p=document.getElementById('seedling-probe');if(!p){p=document.createElement('pre');p.id='seedling-probe';document.body.appendChild(p);}` +
		`p.textContent=JSON.stringify(r);};` +
		`window.addEventListener('load',function(){window.__loaded=true;window.__report();});</script>`
)

// probePage writes page, with the probe scripts injected, as name in dir
// (so that its relative links resolve as the page's own), loads it in
// headless Chromium and returns what the probe found.
func probePage(t *testing.T, browser, dir, name, page string) probe {
	t.Helper()
	head := strings.Index(page, "<head>")
	require.GreaterOrEqual(t, head, 0, "the page has no <head>")
	if i := strings.Index(page, "<script"); i >= 0 {
		require.Greater(t, i, head, "a script comes before <head>: the error probe would miss it")
	}
	probed := page[:head+len("<head>")] + catchErrors + page[head+len("<head>"):]
	require.Contains(t, probed, "</body>")
	probed = strings.Replace(probed, "</body>", reportProbe+"</body>", 1)
	check := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(check, []byte(probed), 0o644))
	defer os.Remove(check)

	dom, err := exec.Command(browser, append(chromiumFlags(t.TempDir()),
		"--virtual-time-budget=15000", "--dump-dom", "file://"+check)...).Output()
	require.NoError(t, err, "chromium --dump-dom")
	m := regexp.MustCompile(`(?s)<pre id="seedling-probe">(.*?)</pre>`).FindSubmatch(dom)
	require.NotNil(t, m, "the page's load event never ran (no probe in the DOM):\n%.2000s", dom)
	var p probe
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &p))
	return p
}

// requireChromium returns the browser, or skips (fails with
// SEEDLING_REQUIRE_BROWSER=1) when there is none.
func requireChromium(t *testing.T) string {
	t.Helper()
	browser := findChromium()
	if browser == "" {
		if os.Getenv("SEEDLING_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium found (install Debian's chromium package, or set SEEDLING_CHROMIUM), and SEEDLING_REQUIRE_BROWSER=1")
		}
		t.Skip("no Chromium found: skipping the browser test (set SEEDLING_CHROMIUM to a browser binary to run it)")
	}
	return browser
}

// The probe itself hears every kind of error: a thrown exception, a
// missing image, a console.error call and an unhandled rejection, also
// from a script that runs first in <head> and from one that runs after
// load.
func TestBrowserProbeHearsEveryError(t *testing.T) {
	browser := requireChromium(t)
	page := `<!DOCTYPE html><html><head><title>probe</title>` +
		`<script>console.error('boom-console', 42);</script></head><body>` +
		`<img src="missing.png"><script>Promise.reject(new Error('boom-promise'));</script>` +
		`<script>throw new Error('boom-throw');</script>` +
		`<script>window.addEventListener('load',function(){setTimeout(function(){console.error('boom-late');},10);});</script>` +
		`</body></html>`
	p := probePage(t, browser, t.TempDir(), "probe.html", page)
	all := strings.Join(p.Errors, "\n")
	for _, want := range []string{"console.error: boom-console 42", "boom-promise", "boom-throw", "failed to load", "missing.png", "console.error: boom-late"} {
		assert.Contains(t, all, want)
	}
	assert.Equal(t, "probe", p.Title)
}

// screenshotContent counts the distinct colours of img and the share of
// its pixels that are not (near) white.
func screenshotContent(img image.Image) (colours int, inked float64) {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if r>>8 < 240 || g>>8 < 240 || bl>>8 < 240 {
				n++
			}
		}
	}
	return len(seen), float64(n) / float64(b.Dx()*b.Dy())
}

func TestTourPageInHeadlessChromium(t *testing.T) {
	browser := requireChromium(t)
	out := t.TempDir()
	if dir := os.Getenv("SEEDLING_SCREENSHOT_DIR"); dir != "" {
		out = dir
	}
	cfg, err := parseFlags([]string{"-quick", "-out", out}, os.Stderr)
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	require.NoError(t, tour(context.Background(), cfg, &stdout, &stderr), stderr.String())
	t.Log(strings.TrimSpace(stdout.String()))

	// A copy of the page with the probe scripts, in the same folder so
	// that its relative links resolve the same way.
	page, err := os.ReadFile(filepath.Join(out, indexFile))
	require.NoError(t, err)
	p := probePage(t, browser, out, "browser-check.html", string(page))
	assert.Empty(t, p.Errors, "errors while loading the page")
	assert.Contains(t, p.Title, "Plant Seedlings")
	require.Len(t, p.Images, 8, "montage, curves, confusion, dream, two units, CAM grid, ranked list")
	for _, img := range p.Images {
		assert.True(t, img.Complete, "%s did not finish loading", img.Src)
		assert.True(t, img.Width > 0 && img.Height > 0, "%s loaded with size %dx%d", img.Src, img.Width, img.Height)
	}

	shot := filepath.Join(out, "screenshot.png")
	cmd := exec.Command(browser, append(chromiumFlags(t.TempDir()),
		"--window-size=1200,4000", "--hide-scrollbars", "--virtual-time-budget=15000",
		"--screenshot="+shot, "file://"+filepath.Join(out, indexFile))...)
	cmd.Dir = out
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "chromium --screenshot: %s", msg)
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, image.Pt(1200, 4000), img.Bounds().Size())
	// A rendered page with its pictures, not a blank one: the photos and
	// plots bring thousands of colours, and text and figures cover a good
	// part of the page.
	colours, inked := screenshotContent(img)
	t.Logf("screenshot: %s (%d colours, %.1f%% of the pixels not white)", shot, colours, 100*inked)
	assert.Greater(t, colours, 1000, "distinct colours in the screenshot")
	assert.Greater(t, inked, 0.05, "share of non-white pixels in the screenshot")
}
