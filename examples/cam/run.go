package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/seedling-ml/seedling/cam"
	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/examples/internal/bundled"
	"github.com/seedling-ml/seedling/examples/internal/modelflags"
	"github.com/seedling-ml/seedling/examples/internal/outfile"
	"github.com/seedling-ml/seedling/internal/term"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// item is one image to explain: where it came from, its true class (from
// -data), and how to get its [1,3,H,W] tensor.
type item struct {
	source string
	truth  string
	load   func() (*nn.Tensor, error)
}

// explained is the outcome for one image.
type explained struct {
	Source        string    `json:"source"`
	True          string    `json:"true,omitempty"`
	Target        int       `json:"target"`
	TargetName    string    `json:"target_name"`
	Predicted     int       `json:"predicted"`
	PredictedName string    `json:"predicted_name"`
	Probabilities []float32 `json:"probabilities"`
	OnPlant       float64   `json:"on_plant"`
	PlantCover    float64   `json:"plant_cover"`
	EmptyMap      bool      `json:"empty_map,omitempty"`

	picture *image.RGBA
	heat    *nn.Tensor
	mask    *nn.Tensor
}

// report is what -json prints.
type report struct {
	Method       string      `json:"method"`
	Layer        string      `json:"layer"`
	Classes      []string    `json:"classes"`
	ExGThreshold float64     `json:"exg_threshold"`
	Images       []explained `json:"images"`
	// Ranked lists image indices by on-plant fraction, smallest first.
	Ranked []int `json:"ranked"`
}

func run(cfg config) error {
	if cfg.stderr == nil {
		cfg.stderr = os.Stderr
	}
	method, err := cam.ParseMethod(cfg.method)
	if err != nil {
		return err
	}
	cmap, err := cam.ParseColormap(cfg.colormap)
	if err != nil {
		return err
	}
	if method == cam.Saliency && cfg.layerSet {
		return fmt.Errorf("-layer %s: saliency explains the input pixels, not a layer; leave -layer out", cfg.layer)
	}
	if cfg.alpha < 0 || cfg.alpha > 1 {
		return fmt.Errorf("-alpha %v must be in [0,1]", cfg.alpha)
	}
	if cfg.batch < 1 {
		return fmt.Errorf("-batch %d must be positive", cfg.batch)
	}
	// -samples picks from a folder: -data, or the bundled tree by default.
	explainsFolder := cfg.data != "" || (len(cfg.images) == 0 && cfg.input == "")
	if explainsFolder && cfg.samples < 1 {
		return fmt.Errorf("-samples %d must be positive", cfg.samples)
	}
	if err := outfile.CheckDir("out", cfg.out); err != nil {
		return err
	}
	if err := outfile.CheckDir("save-map", cfg.saveMap); err != nil {
		return err
	}
	if len(cfg.images) == 0 && cfg.input == "" && cfg.data == "" {
		val, err := bundled.Path("val")
		if err != nil {
			return fmt.Errorf("no -image, -input or -data given, and %w", err)
		}
		fmt.Fprintf(cfg.stderr, "cam: no -image, -input or -data; explaining %d samples of the bundled val tree %s\n", cfg.samples, val)
		cfg.data = val
	}
	m, meta, err := cfg.model.Load()
	if err != nil {
		return err
	}
	if method != cam.Saliency {
		if err := m.CheckTaps(cfg.layer); err != nil {
			return fmt.Errorf("-layer: %w", err)
		}
	}
	items, dataClasses, err := collect(cfg, meta.InputSize)
	if err != nil {
		return err
	}
	names := meta.Classes
	if dataClasses != nil && modelflags.NumericNames(names) && len(dataClasses) == len(names) {
		// torchvision weights carry no class names; the folder's sorted
		// names are the labels the model was trained with.
		fmt.Fprintf(cfg.stderr, "cam: the model has no class names; using the %d folder names of %s\n", len(names), cfg.data)
		names = dataClasses
	}
	targets, err := parseClasses(cfg.class, names, len(items))
	if err != nil {
		return err
	}
	opts := cam.Options{Method: method, Layer: cfg.layer, ScoreBatch: cfg.scoreBatch, Workers: cfg.workers}
	if method == cam.ScoreCAM && !cfg.json && term.IsTerminal(cfg.stderr) {
		opts.Progress = func(done, total int) { fmt.Fprintf(cfg.stderr, "\rscorecam: %d/%d masked inputs", done, total) }
	}
	results, maps, err := explainAll(m, meta, items, targets, opts, cfg.batch, cfg.exg, names)
	if opts.Progress != nil {
		fmt.Fprintln(cfg.stderr)
	}
	if err != nil {
		return err
	}
	ranked := rank(results)

	if cfg.saveMap != "" {
		if err := nn.WriteSafetensors(cfg.saveMap, map[string]*nn.Tensor{"map": maps}, nil,
			map[string]string{"method": string(method), "layer": cfg.layer}); err != nil {
			return err
		}
		fmt.Fprintf(cfg.stderr, "cam: wrote %s (map %v)\n", cfg.saveMap, maps.Shape)
	}
	if cfg.out != "" {
		if err := writePictures(cfg.stderr, cfg.out, results, ranked, cmap, cfg.alpha, cfg.data != "", cfg.showMask); err != nil {
			return err
		}
	}
	if cfg.json {
		return json.NewEncoder(cfg.stdout).Encode(report{Method: string(method), Layer: layerName(method, cfg.layer),
			Classes: names, ExGThreshold: cfg.exg, Images: results, Ranked: ranked})
	}
	printText(cfg.stdout, results, ranked)
	return nil
}

// collect turns -image, -input or -data into items; for -data it also
// returns the folder's class names.
func collect(cfg config, size int) ([]item, []string, error) {
	given := 0
	for _, on := range []bool{len(cfg.images) > 0, cfg.input != "", cfg.data != ""} {
		if on {
			given++
		}
	}
	if given > 1 {
		return nil, nil, errors.New("give only one of -image FILE..., -input x.safetensors or -data DIR")
	}
	if size <= 0 {
		size = 224
	}
	switch {
	case cfg.input != "":
		st, err := nn.ReadSafetensors(cfg.input)
		if err != nil {
			return nil, nil, err
		}
		x, ok := st.Floats["x"]
		if !ok {
			return nil, nil, fmt.Errorf("%s has no float tensor named x (tensors: %s)", cfg.input, strings.Join(st.Names(), ", "))
		}
		if x.Dim() != 4 || x.Shape[1] != 3 || x.Shape[0] < 1 {
			return nil, nil, fmt.Errorf("%s: x has shape %v, want [N,3,H,W]", cfg.input, x.Shape)
		}
		items := make([]item, x.Shape[0])
		per := len(x.Data) / x.Shape[0]
		for i := range items {
			i := i
			items[i] = item{source: fmt.Sprintf("%s:x[%d]", cfg.input, i), load: func() (*nn.Tensor, error) {
				return nn.FromData(x.Data[i*per:(i+1)*per], append([]int{1}, x.Shape[1:]...)...), nil
			}}
		}
		return items, nil, nil
	case len(cfg.images) > 0:
		items := make([]item, len(cfg.images))
		for i, p := range cfg.images {
			items[i] = item{source: p, load: func() (*nn.Tensor, error) { return dataset.LoadImageTensor(p, size) }}
		}
		return items, nil, nil
	}
	ds, err := dataset.ImageFolder(cfg.data)
	if err != nil {
		return nil, nil, err
	}
	picks, err := ds.Spread(cfg.samples, cfg.seed)
	if err != nil {
		return nil, nil, err
	}
	var items []item
	for _, i := range picks {
		s := ds.Samples[i]
		if _, err := dataset.DecodeFile(s.Path, dataset.DecodeOptions{}); err != nil {
			// As finetune and predict do: one bad photo does not end the run.
			fmt.Fprintf(cfg.stderr, "cam: skipped unreadable image: %v\n", err)
			continue
		}
		items = append(items, item{source: s.Path, truth: ds.Classes[s.Label],
			load: func() (*nn.Tensor, error) { return dataset.LoadImageTensor(s.Path, size) }})
	}
	if len(items) == 0 {
		return nil, nil, fmt.Errorf("-data %s: none of the %d samples picked could be read", cfg.data, len(picks))
	}
	return items, ds.Classes, nil
}

// parseClasses reads -class: empty (predicted), one class for all images,
// or one per image; each a class name or an index.
func parseClasses(s string, names []string, n int) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 1 && len(parts) != n {
		return nil, fmt.Errorf("-class lists %d classes for %d images (give one, or one per image)", len(parts), n)
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		idx := -1
		for j, name := range names {
			if strings.EqualFold(name, p) {
				idx = j
				break
			}
		}
		if idx < 0 {
			v, err := strconv.Atoi(p)
			if err != nil || v < 0 || v >= len(names) {
				return nil, fmt.Errorf("-class %q is neither a class name nor an index in [0,%d) (classes: %s)", p, len(names), strings.Join(names, ", "))
			}
			idx = v
		}
		out[i] = idx
	}
	return out, nil
}

// explainAll runs the method over the items in batches and measures each
// map against the plant pixels of the picture the network saw.
func explainAll(m *resnet.ResNet, meta *resnet.Meta, items []item, targets []int, opts cam.Options, batch int, exg float64, names []string) ([]explained, *nn.Tensor, error) {
	var results []explained
	var all []float32
	var mapShape []int
	for start := 0; start < len(items); start += batch {
		end := min(start+batch, len(items))
		ts := make([]*nn.Tensor, 0, end-start)
		for _, it := range items[start:end] {
			x, err := it.load()
			if err != nil {
				return nil, nil, err
			}
			ts = append(ts, x.Reshape(x.Shape[1:]...))
		}
		x, err := dataset.Stack(ts)
		if err != nil {
			return nil, nil, fmt.Errorf("images %d..%d: %w", start, end-1, err)
		}
		o := opts
		if len(targets) == 1 {
			o.Targets = targets
		} else if targets != nil {
			o.Targets = targets[start:end]
		}
		res, err := cam.Compute(m, x, o)
		if err != nil {
			return nil, nil, err
		}
		pics, err := cam.InputImages(x, meta.Mean, meta.Std)
		if err != nil {
			return nil, nil, err
		}
		if mapShape != nil && !nn.SameShape(mapShape, res.Maps.Shape[1:]) {
			return nil, nil, fmt.Errorf("%s: map size %v differs from the first image's %v", items[start].source, res.Maps.Shape[1:], mapShape)
		}
		mapShape = res.Maps.Shape[1:]
		all = append(all, res.Maps.Data...)
		nc := res.Probs.Shape[1]
		for i := range pics {
			heat, err := cam.Plane(res.Maps, i)
			if err != nil {
				return nil, nil, err
			}
			f, err := cam.FocusOf(pics[i], heat, exg)
			if err != nil {
				return nil, nil, err
			}
			it := items[start+i]
			results = append(results, explained{
				Source: it.source, True: it.truth,
				Target: res.Targets[i], TargetName: names[res.Targets[i]],
				Predicted: res.Predicted[i], PredictedName: names[res.Predicted[i]],
				Probabilities: res.Probs.Data[i*nc : (i+1)*nc],
				OnPlant:       f.OnPlant, PlantCover: f.PlantCover, EmptyMap: f.Empty,
				picture: pics[i], heat: heat, mask: cam.PlantMask(pics[i], exg),
			})
		}
	}
	maps := nn.FromData(all, append([]int{len(results)}, mapShape...)...)
	return results, maps, nil
}

// rank orders image indices by on-plant fraction, empty maps and the
// smallest fractions first (as cam.RankByFocus does).
func rank(rs []explained) []int {
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ra, rb := rs[idx[a]], rs[idx[b]]
		if ra.EmptyMap != rb.EmptyMap {
			return ra.EmptyMap
		}
		return ra.OnPlant < rb.OnPlant
	})
	return idx
}

// writePictures writes the overlay of a single image (with a colour bar),
// or a grid of originals and overlays; with -data also the ranked grid. It
// names the files it wrote on w.
func writePictures(w io.Writer, out string, rs []explained, ranked []int, cmap cam.Colormap, alpha float64, data, showMask bool) error {
	overlays := make([]*image.RGBA, len(rs))
	for i, r := range rs {
		o, err := cam.Overlay(r.picture, r.heat, cmap, alpha)
		if err != nil {
			return err
		}
		overlays[i] = o
	}
	if len(rs) == 1 && !data {
		if err := dataset.SavePNG(out, cam.WithColorBar(overlays[0], cmap)); err != nil {
			return err
		}
		fmt.Fprintf(w, "cam: wrote %s\n", out)
		return nil
	}
	var tiles []image.Image
	cols := 8
	if showMask {
		cols = 9
	}
	for i, r := range rs {
		tiles = append(tiles, cam.Caption(r.picture, short(r.True, "true "), ""),
			cam.Caption(overlays[i], "pred "+short(r.PredictedName, ""), fmt.Sprintf("p %.2f plant %.0f%%", r.Probabilities[r.Predicted], 100*r.OnPlant)))
		if showMask {
			g, err := cam.Gray(r.mask)
			if err != nil {
				return err
			}
			tiles = append(tiles, cam.Caption(g, "plant mask", fmt.Sprintf("cover %.0f%%", 100*r.PlantCover)))
		}
	}
	grid, err := cam.Grid(tiles, cols, 4)
	if err != nil {
		return err
	}
	if err := dataset.SavePNG(out, cam.WithColorBar(grid, cmap)); err != nil {
		return err
	}
	fmt.Fprintf(w, "cam: wrote %s (%d images: original | overlay)\n", out, len(rs))
	if !data {
		return nil
	}
	tiles = tiles[:0]
	for pos, i := range ranked {
		r := rs[i]
		tiles = append(tiles, cam.Caption(overlays[i], fmt.Sprintf("#%d plant %.0f%%", pos+1, 100*r.OnPlant),
			short(r.True, "T ")+" / "+short(r.PredictedName, "P ")))
	}
	if grid, err = cam.Grid(tiles, 6, 4); err != nil {
		return err
	}
	rankedPath := strings.TrimSuffix(out, filepath.Ext(out)) + "_ranked.png"
	if err := dataset.SavePNG(rankedPath, cam.WithColorBar(grid, cmap)); err != nil {
		return err
	}
	fmt.Fprintf(w, "cam: wrote %s (overlays, least on the plant first)\n", rankedPath)
	return nil
}

// short abbreviates a class name to fit under a 224-pixel tile.
func short(s, prefix string) string {
	if s == "" {
		return ""
	}
	s = prefix + s
	if len(s) > 15 {
		s = s[:14] + "."
	}
	return s
}

func printText(w io.Writer, rs []explained, ranked []int) {
	for i, r := range rs {
		truth := ""
		if r.True != "" {
			truth = " true " + r.True + ","
		}
		fmt.Fprintf(w, "%d %s:%s predicted %s (%.3f), explained %s (%.3f), on plant %.1f%% (plant cover %.1f%%)\n",
			i, r.Source, truth, r.PredictedName, r.Probabilities[r.Predicted], r.TargetName, r.Probabilities[r.Target], 100*r.OnPlant, 100*r.PlantCover)
	}
	if len(rs) < 2 {
		return
	}
	fmt.Fprintln(w, "where it looks least at the plant (ranked):")
	for pos, i := range ranked {
		r := rs[i]
		fmt.Fprintf(w, "%3d. %5.1f%% on plant (cover %4.1f%%)  %s  true %q predicted %q\n", pos+1, 100*r.OnPlant, 100*r.PlantCover, r.Source, r.True, r.PredictedName)
	}
}

func layerName(m cam.Method, layer string) string {
	if m == cam.Saliency {
		return "input"
	}
	return layer
}
