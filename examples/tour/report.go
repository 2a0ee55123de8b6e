package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"strings"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet/train"
)

// Files the tour writes at the top of its output folder.
const (
	indexFile   = "index.html"
	metricsFile = "metrics.json"
)

// figure is one picture of the report, by its path relative to the
// output folder.
type figure struct {
	File    string `json:"file"`
	Caption string `json:"caption"`
}

// timing is how long one step took.
type timing struct {
	Step    string  `json:"step"`
	Seconds float64 `json:"seconds"`
}

// dreamStats are the numbers of one stage's dream.
type dreamStats struct {
	Layer string `json:"layer"`
	// Objective is the dream's objective (the mean square of the layer's
	// output) for the input image and for the dream, both at full size
	// and without jitter: one measure on the same framing, before and
	// after.
	Objective [2]float32 `json:"objective_input_dream"`
	// Octaves holds, smallest first, the objective before the first and
	// before the last step of each octave, as the run measured it (on the
	// jittered image of that octave's size).
	Octaves []octaveObjective `json:"octaves"`
}

// octaveObjective is the objective at the first and the last step of one
// octave.
type octaveObjective struct {
	Height int     `json:"height"`
	Width  int     `json:"width"`
	First  float32 `json:"first"`
	Last   float32 `json:"last"`
}

// sampleStats describe one sample explained with CAM and Grad-CAM.
type sampleStats struct {
	Path        string  `json:"path"`
	True        string  `json:"true"`
	Predicted   string  `json:"predicted"`
	Probability float32 `json:"probability"`
	// OnPlant is the share of the Grad-CAM map on plant pixels;
	// PlantCover the share of the image that is plant.
	OnPlant    float64 `json:"gradcam_on_plant"`
	PlantCover float64 `json:"plant_cover"`
}

// report is everything the tour found; it is written as metrics.json and
// rendered as index.html.
type report struct {
	Config       config        `json:"config"`
	Training     *train.Result `json:"training"`
	Timings      []timing      `json:"timings"`
	TotalSeconds float64       `json:"total_seconds"`
	Dreams       []dreamStats  `json:"dreams"`
	Samples      []sampleStats `json:"cam_samples"`
	// Ranked lists indices into Samples, the map furthest off the plant first.
	Ranked []int `json:"ranked_looks_wrong"`

	Montage, Curves, Confusion, Dream, CAMGrid, LooksWrong figure
	Units                                                  []figure
}

// write saves metrics.json and index.html into dir.
func (r *report) write(dir string) error {
	if err := nn.WriteFileAtomic(filepath.Join(dir, metricsFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}); err != nil {
		return err
	}
	return nn.WriteFileAtomic(filepath.Join(dir, indexFile), func(w io.Writer) error {
		return page.Execute(w, r)
	})
}

// Helpers for the page template.
var funcs = template.FuncMap{
	"pct":   func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
	"pct32": func(v float32) string { return fmt.Sprintf("%.0f%%", 100*v) },
	"secs": func(v float64) string {
		if v >= 90 {
			return fmt.Sprintf("%.1f min", v/60)
		}
		return fmt.Sprintf("%.1f s", v)
	},
	"f1":   func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"f3":   func(v float64) string { return fmt.Sprintf("%.3f", v) },
	"g3":   func(v float32) string { return fmt.Sprintf("%.3g", v) },
	"last": func(e []train.EpochStats) train.EpochStats { return e[len(e)-1] },
	"sample": func(r *report, i int) sampleStats {
		return r.Samples[i]
	},
	"inc":  func(i int) int { return i + 1 },
	"join": func(s []string) string { return strings.Join(s, ", ") },
	"base": filepath.Base,
	"start": func(r *report) string {
		if r.Config.Weights != "" {
			return "fine-tuned from " + filepath.Base(r.Config.Weights)
		}
		return "trained from scratch"
	},
}

// page is index.html. Every link is relative, so the folder can be moved.
var page = template.Must(template.New(indexFile).Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Seedling tour: ResNet18 on Plant Seedlings</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
figure { margin: 1em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.92em; margin-top: 0.3em; }
table { border-collapse: collapse; font-size: 0.92em; }
td, th { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; }
th { background: #f4f4f4; }
td:first-child, th:first-child { text-align: left; }
.big { font-size: 1.3em; }
</style>
</head>
<body>
<h1>ResNet18 on Plant Seedlings</h1>
<p>What <code>go run ./examples/tour</code> found, in pure Go with Seedling. Data: <code>{{.Config.Data}}</code>
({{.Training.TrainImages}} training and {{.Training.ValImages}} validation images, {{len .Training.Classes}} classes).
The network was {{start .}} at {{.Config.Size}}&times;{{.Config.Size}} px for {{len .Training.Epochs}} epochs.</p>
<p class="big">Validation accuracy: <b>{{pct .Training.ValAccuracy}}</b> &middot; run time {{secs .TotalSeconds}}</p>

<h2>1. The data</h2>
<figure><img src="{{.Montage.File}}" alt="montage of training images per class"><figcaption>{{.Montage.Caption}}</figcaption></figure>

<h2>2. Training</h2>
<figure><img src="{{.Curves.File}}" alt="training curves"><figcaption>{{.Curves.Caption}}</figcaption></figure>
{{with last .Training.Epochs}}<p>Last epoch: training loss {{f3 .TrainLoss}}, accuracy {{pct .TrainAccuracy}};
validation loss {{f3 .ValLoss}}, accuracy {{pct .ValAccuracy}}; {{f1 .ImagesPerSec}} training images/s.</p>{{end}}
<figure><img src="{{.Confusion.File}}" alt="confusion matrix"><figcaption>{{.Confusion.Caption}}</figcaption></figure>
<table>
<tr><th>class</th><th>precision</th><th>recall</th><th>validation images</th></tr>
{{range .Training.PerClass}}<tr><td>{{.Class}}</td><td>{{pct .Precision}}</td><td>{{pct .Recall}}</td><td>{{.Support}}</td></tr>
{{end}}</table>

<h2>3. DeepDream on {{join .Config.DreamLayers}}</h2>
<figure><img src="{{.Dream.File}}" alt="DeepDream of {{join .Config.DreamLayers}}"><figcaption>{{.Dream.Caption}}</figcaption></figure>
<table>
<tr><th>layer</th><th>objective of the input</th><th>of the dream</th><th>per octave: first &rarr; last step</th></tr>
{{range .Dreams}}<tr><td>{{.Layer}}</td><td>{{g3 (index .Objective 0)}}</td><td>{{g3 (index .Objective 1)}}</td><td>{{range $i, $o := .Octaves}}{{if $i}}; {{end}}{{$o.Width}}&times;{{$o.Height}}: {{g3 $o.First}} &rarr; {{g3 $o.Last}}{{end}}</td></tr>
{{end}}</table>

<h2>4. Inside a residual unit: mainstream and shortcut</h2>
{{range .Units}}<figure><img src="{{.File}}" alt="feature maps of {{.File}}"><figcaption>{{.Caption}}</figcaption></figure>
{{end}}
<h2>5. Where the network looks</h2>
<figure><img src="{{.CAMGrid.File}}" alt="CAM and Grad-CAM overlays"><figcaption>{{.CAMGrid.Caption}}</figcaption></figure>
<figure><img src="{{.LooksWrong.File}}" alt="samples whose map misses the plant"><figcaption>{{.LooksWrong.Caption}}</figcaption></figure>
<table>
<tr><th>rank</th><th>image</th><th>true class</th><th>predicted</th><th>probability</th><th>Grad-CAM on plant</th><th>plant share of image</th></tr>
{{range $r, $i := .Ranked}}{{with sample $ $i}}<tr><td>{{inc $r}}</td><td>{{base .Path}}</td><td>{{.True}}</td><td>{{.Predicted}}</td><td>{{pct32 .Probability}}</td><td>{{pct .OnPlant}}</td><td>{{pct .PlantCover}}</td></tr>
{{end}}{{end}}</table>

<h2>Run</h2>
<table>
<tr><th>step</th><th>time</th></tr>
{{range .Timings}}<tr><td>{{.Step}}</td><td>{{secs .Seconds}}</td></tr>
{{end}}</table>
<p>All numbers are in <a href="metrics.json">metrics.json</a>; the trained model is
<code>train/model.safetensors</code> (use it with <code>go run ./examples/predict -model</code>).</p>
</body>
</html>
`))
