package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
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
// Chromium and checks that the page raised no error and that every image
// loaded with a non-zero size; it also takes a screenshot. It needs a
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

// Scripts injected into a copy of the page: the first, at the top of
// <head>, records every error (script errors and failed resources); the
// second, on load, writes what it found into the DOM for --dump-dom.
const (
	catchErrors = `<script>window.__errs=[];window.addEventListener('error',function(e){` +
		`window.__errs.push(e.message||('failed to load '+((e.target&&(e.target.src||e.target.href))||'?')));},true);</script>`
	reportProbe = `<script>window.addEventListener('load',function(){var r={errors:window.__errs,title:document.title,` +
		`images:Array.prototype.map.call(document.images,function(i){return {src:i.getAttribute('src'),complete:i.complete,w:i.naturalWidth,h:i.naturalHeight};})};` +
		`var p=document.createElement('pre');p.id='seedling-probe';p.textContent=JSON.stringify(r);document.body.appendChild(p);});</script>`
)

func TestTourPageInHeadlessChromium(t *testing.T) {
	browser := findChromium()
	if browser == "" {
		if os.Getenv("SEEDLING_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium found (install Debian's chromium package, or set SEEDLING_CHROMIUM), and SEEDLING_REQUIRE_BROWSER=1")
		}
		t.Skip("no Chromium found: skipping the browser test (set SEEDLING_CHROMIUM to a browser binary to run it)")
	}
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
	probed := strings.Replace(string(page), "<head>", "<head>"+catchErrors, 1)
	probed = strings.Replace(probed, "</body>", reportProbe+"</body>", 1)
	check := filepath.Join(out, "browser-check.html")
	require.NoError(t, os.WriteFile(check, []byte(probed), 0o644))
	defer os.Remove(check)

	profile := t.TempDir()
	dom, err := exec.Command(browser, append(chromiumFlags(profile),
		"--virtual-time-budget=15000", "--dump-dom", "file://"+check)...).Output()
	require.NoError(t, err, "chromium --dump-dom")
	m := regexp.MustCompile(`(?s)<pre id="seedling-probe">(.*?)</pre>`).FindSubmatch(dom)
	require.NotNil(t, m, "the page's load event never ran (no probe in the DOM):\n%.2000s", dom)
	var p probe
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &p))
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
	assert.Equal(t, 1200, img.Bounds().Dx())
	t.Logf("screenshot: %s", shot)
}
