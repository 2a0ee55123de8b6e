package main

import (
	"fmt"
	"image"
	"io"
	"path/filepath"
	"strings"

	"github.com/seedling-ml/seedling/cam"
	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/dream"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// dreams runs DeepDream on each stage output for one validation sample
// and puts the dreams beside the original.
func dreams(cfg config, m *resnet.ResNet, meta *resnet.Meta, val *dataset.Dataset, rep *report, stderr io.Writer) error {
	s, err := firstSample(val, cfg.Seed)
	if err != nil {
		return err
	}
	x, err := dataset.LoadImageTensor(s.Path, cfg.DreamSize)
	if err != nil {
		return err
	}
	orig, err := cam.InputImages(x, meta.Mean, meta.Std)
	if err != nil {
		return err
	}
	panels := []image.Image{orig[0]}
	captions := []string{"original: " + val.Classes[s.Label]}
	dc := dream.DefaultConfig()
	dc.Steps, dc.Octaves, dc.Seed = cfg.DreamSteps, cfg.DreamOctaves, cfg.Seed
	dc.Mean, dc.Std = meta.Mean, meta.Std
	dc.Progress = func(p dream.Progress) {
		fmt.Fprintf(stderr, "   %s octave %d/%d (%dx%d): objective %.3g -> %.3g\n",
			p.Layer, p.Octave, p.Octaves, p.Width, p.Height, p.First, p.Last)
	}
	results, err := dream.DreamLayers(m, x, cfg.DreamLayers, dc)
	if err != nil {
		return err
	}
	var sizes []dream.OctaveStats
	for i, res := range results {
		layer := cfg.DreamLayers[i]
		if w := res.Warning(); w != "" {
			fmt.Fprintf(stderr, "   %s: %s\n", layer, w)
		}
		st, err := dreamNumbers(m, x, res, layer)
		if err != nil {
			return err
		}
		panels = append(panels, res.Image)
		captions = append(captions, "dream: "+layer)
		rep.Dreams = append(rep.Dreams, st)
		sizes = res.Octaves
	}
	rep.Dream = figure{File: "dream.png", Caption: dreamCaption(filepath.Base(s.Path), val.Classes[s.Label], dc, sizes, rep.Dreams)}
	return dataset.SavePNG(filepath.Join(cfg.Out, rep.Dream.File), dream.Figure(panels, captions))
}

// dreamNumbers measures one dream: its objective (the mean square of the
// layer's output) on the input and on the dream at full size, without
// jitter, and the first and last step of each octave.
func dreamNumbers(m *resnet.ResNet, x *nn.Tensor, res *dream.Result, layer string) (dreamStats, error) {
	st := dreamStats{Layer: layer}
	for i, in := range []*nn.Tensor{x, res.Tensor} {
		out, err := m.Run(in, []string{layer}, true)
		if err != nil {
			return st, fmt.Errorf("%s: %w", layer, err)
		}
		tap := out.Taps[layer]
		if tap == nil {
			return st, fmt.Errorf("%s: no output for the tap", layer)
		}
		st.Objective[i] = resnet.MeanSquareObjective()(tap).Item()
	}
	for _, o := range res.Octaves {
		oo := octaveObjective{Height: o.Size.H, Width: o.Size.W}
		if n := len(o.Objective); n > 0 {
			oo.First, oo.Last = o.Objective[0], o.Objective[n-1]
		}
		st.Octaves = append(st.Octaves, oo)
	}
	return st, nil
}

// dreamCaption says how the dreams were computed and what the objective
// did in this run.
func dreamCaption(file, class string, dc dream.Config, octaves []dream.OctaveStats, stats []dreamStats) string {
	var sizes []string
	for _, o := range octaves {
		sizes = append(sizes, fmt.Sprintf("%dx%d", o.Size.W, o.Size.H))
	}
	var moves []string
	for _, d := range stats {
		moves = append(moves, fmt.Sprintf("%s %.3g to %.3g", d.Layer, d.Objective[0], d.Objective[1]))
	}
	decor := "off"
	if dc.Decorrelate {
		decor = "on"
	}
	return fmt.Sprintf("DeepDream of %s (%s), one panel per layer: gradient ascent on the mean square of the layer's output, "+
		"over %d octaves (%s px, smallest first) of %d steps each; each step adds %.3g times the gradient divided by its mean "+
		"absolute value, after a random shift of up to %d px, a Gaussian smoothing of the gradient (%.3g px) and colour decorrelation (%s). "+
		"Objective of the full-size input and of the dream, without shift: %s.",
		file, class, len(octaves), strings.Join(sizes, ", "), dc.Steps, dc.LR, dc.Jitter, dc.Smooth, decor, strings.Join(moves, "; "))
}

// firstSample is the validation image that the dreams and the units show:
// the first that Spread picks for the seed.
func firstSample(val *dataset.Dataset, seed uint64) (dataset.Sample, error) {
	picks, err := val.Spread(1, seed)
	if err != nil {
		return dataset.Sample{}, err
	}
	if len(picks) == 0 {
		return dataset.Sample{}, fmt.Errorf("no validation images in %s", val.Root)
	}
	return val.Samples[picks[0]], nil
}

// units draws the inside of each residual unit for one validation sample:
// its input, both convs of the mainstream, the shortcut and the output.
func units(cfg config, m *resnet.ResNet, meta *resnet.Meta, val *dataset.Dataset, rep *report) error {
	s, err := firstSample(val, cfg.Seed)
	if err != nil {
		return err
	}
	x, err := dataset.LoadImageTensor(s.Path, cfg.DreamSize)
	if err != nil {
		return err
	}
	opts := dream.FeatureOptions{TopK: cfg.UnitChannels, Cols: 8, Mean: meta.Mean, Std: meta.Std}
	for _, unit := range cfg.Units {
		pic, err := dream.UnitFeatures(m, x, unit, opts)
		if err != nil {
			return err
		}
		f := figure{File: "unit-" + unit + ".png", Caption: fmt.Sprintf(
			"Inside residual unit %s for %s (%s) at %d px: its input, the mainstream (conv1 after BN and ReLU, conv2 after BN), "+
				"the shortcut and the output ReLU(mainstream + shortcut). Each tile is one channel normalised on its own; "+
				"the residual panels show the same %d channels (the output's strongest), so a column compares one channel "+
				"along the shortcut and the mainstream.",
			unit, filepath.Base(s.Path), val.Classes[s.Label], cfg.DreamSize, cfg.UnitChannels)}
		if err := dataset.SavePNG(filepath.Join(cfg.Out, f.File), pic); err != nil {
			return err
		}
		rep.Units = append(rep.Units, f)
	}
	return nil
}

// cams explains validation samples with CAM and Grad-CAM on layer4 and
// ranks them by how much of the Grad-CAM map falls on the plant.
func cams(cfg config, m *resnet.ResNet, meta *resnet.Meta, val *dataset.Dataset, rep *report) error {
	picks, err := val.Spread(cfg.CAMSamples, cfg.Seed)
	if err != nil {
		return err
	}
	ts := make([]*nn.Tensor, len(picks))
	shown := make([]image.Image, len(picks))
	for i, p := range picks {
		path := val.Samples[p].Path
		x, err := dataset.LoadImageTensor(path, meta.InputSize)
		if err != nil {
			return err
		}
		ts[i] = x.Reshape(x.Shape[1:]...)
		big, err := dataset.LoadImageTensor(path, cfg.DisplaySize)
		if err != nil {
			return err
		}
		pics, err := cam.InputImages(big, meta.Mean, meta.Std)
		if err != nil {
			return err
		}
		shown[i] = pics[0]
	}
	x, err := dataset.Stack(ts)
	if err != nil {
		return err
	}
	seen, err := cam.InputImages(x, meta.Mean, meta.Std)
	if err != nil {
		return err
	}
	byMethod := map[cam.Method]*cam.Result{}
	for _, method := range []cam.Method{cam.CAM, cam.GradCAM} {
		// Explain the predicted class: where the network looked for
		// what it decided.
		res, err := cam.Compute(m, x, cam.Options{Method: method, Layer: "layer4"})
		if err != nil {
			return err
		}
		byMethod[method] = res
	}
	gc := byMethod[cam.GradCAM]
	seenImgs := make([]image.Image, len(seen))
	for i, s := range seen {
		seenImgs[i] = s
	}
	ranked, err := cam.RankByFocus(seenImgs, gc.Maps, cam.DefaultExGThreshold)
	if err != nil {
		return err
	}
	focus := make([]cam.Focus, len(picks))
	for _, f := range ranked {
		focus[f.Index] = f
	}

	tile := func(i int, method cam.Method) (image.Image, error) {
		mp, err := cam.Plane(byMethod[method].Maps, i)
		if err != nil {
			return nil, err
		}
		return cam.Overlay(shown[i], mp, cam.Jet, 0.45)
	}
	var tiles []image.Image
	for i, p := range picks {
		s := val.Samples[p]
		truth, pred := val.Classes[s.Label], meta.Classes[gc.Predicted[i]]
		c, err := tile(i, cam.CAM)
		if err != nil {
			return err
		}
		g, err := tile(i, cam.GradCAM)
		if err != nil {
			return err
		}
		mark := "right"
		if gc.Predicted[i] != s.Label {
			mark = "WRONG"
		}
		prob := gc.Probs.Data[i*gc.Probs.Shape[1]+gc.Predicted[i]]
		tiles = append(tiles,
			cam.Caption(shown[i], short(truth), ""),
			cam.Caption(c, "CAM", fmt.Sprintf("%s %s %.0f%%", mark, short(pred), 100*prob)),
			cam.Caption(g, "Grad-CAM", fmt.Sprintf("%.0f%% on plant", 100*focus[i].OnPlant)))
		rep.Samples = append(rep.Samples, sampleStats{
			Path: s.Path, True: truth, Predicted: pred, Probability: prob,
			OnPlant: focus[i].OnPlant, PlantCover: focus[i].PlantCover,
		})
	}
	grid, err := cam.Grid(tiles, 6, 4)
	if err != nil {
		return err
	}
	right := 0
	lo, hi := 1.0, 0.0
	for _, st := range rep.Samples {
		if st.True == st.Predicted {
			right++
		}
		lo, hi = min(lo, st.OnPlant), max(hi, st.OnPlant)
	}
	rep.CAMGrid = figure{File: "cam.png", Caption: fmt.Sprintf(
		"%d validation samples, picked round-robin over the classes: the image, its CAM and its Grad-CAM on layer4 for the "+
			"predicted class (jet colour map, red high), with the prediction, its probability and the share of the Grad-CAM "+
			"map's mass on plant pixels (excess green 2G-R-B above %.2f). %d of the %d predictions are right; the on-plant "+
			"share goes from %.0f%% to %.0f%%.", len(picks), cam.DefaultExGThreshold, right, len(picks), 100*lo, 100*hi)}
	if err := dataset.SavePNG(filepath.Join(cfg.Out, rep.CAMGrid.File), grid); err != nil {
		return err
	}

	// The ranked list: the samples whose map misses the plant most.
	worst := min(6, len(ranked))
	var wtiles []image.Image
	for r, f := range ranked[:worst] {
		g, err := tile(f.Index, cam.GradCAM)
		if err != nil {
			return err
		}
		st := rep.Samples[f.Index]
		wtiles = append(wtiles, cam.Caption(g, fmt.Sprintf("#%d %.0f%% on plant", r+1, 100*f.OnPlant),
			fmt.Sprintf("plant %.0f%% of image", 100*f.PlantCover), short(st.True)))
		rep.Ranked = append(rep.Ranked, f.Index)
	}
	for _, f := range ranked[worst:] {
		rep.Ranked = append(rep.Ranked, f.Index)
	}
	wgrid, err := cam.Grid(wtiles, worst, 4)
	if err != nil {
		return err
	}
	rep.LooksWrong = figure{File: "looks-wrong.png", Caption: looksWrongCaption(ranked[:worst], len(ranked))}
	return dataset.SavePNG(filepath.Join(cfg.Out, rep.LooksWrong.File), wgrid)
}

// looksWrongCaption says how the listed samples were chosen and gives
// their numbers: the share of each Grad-CAM map's mass on plant pixels and
// the share of the image that is plant (what a uniform map would get).
func looksWrongCaption(shown []cam.Focus, of int) string {
	var on, cover []string
	empty := 0
	for _, f := range shown {
		on = append(on, fmt.Sprintf("%.0f%%", 100*f.OnPlant))
		cover = append(cover, fmt.Sprintf("%.0f%%", 100*f.PlantCover))
		if f.Empty {
			empty++
		}
	}
	which := fmt.Sprintf("The %d samples (of the %d above) whose map puts the least mass on the plant", len(shown), of)
	if len(shown) == of {
		which = fmt.Sprintf("All %d samples above", of)
	}
	s := fmt.Sprintf("%s, ranked by the share of their Grad-CAM map's mass (layer4, predicted class) on plant pixels "+
		"(excess green 2G-R-B above %.2f), smallest first. Share of the map on plant pixels: %s; "+
		"share of the image that is plant pixels: %s.",
		which, cam.DefaultExGThreshold, strings.Join(on, ", "), strings.Join(cover, ", "))
	if empty > 0 {
		s += fmt.Sprintf(" %d of these maps are zero everywhere (no mass to place; counted as 0%%).", empty)
	}
	return s
}

// short cuts a class name to fit under a tile.
func short(s string) string {
	const n = 22
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "~"
}
