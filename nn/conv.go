package nn

import (
	"fmt"
	"runtime"
	"sync"

	sgemm "github.com/seedling-ml/seedling/nn/gemm"
	"github.com/seedling-ml/seedling/nn/internal/workers"
)

// ConvConfig holds the hyper-parameters of a 2-D convolution. Zero values
// mean stride 1, no padding, dilation 1 and one group.
type ConvConfig struct {
	StrideH, StrideW     int
	PadH, PadW           int
	DilationH, DilationW int
	Groups               int
}

// Conv2dOptions builds a square ConvConfig (the common case).
func Conv2dOptions(stride, pad, dilation, groups int) ConvConfig {
	return ConvConfig{stride, stride, pad, pad, dilation, dilation, groups}
}

func (c ConvConfig) normalized() ConvConfig {
	if c.StrideH == 0 {
		c.StrideH = 1
	}
	if c.StrideW == 0 {
		c.StrideW = 1
	}
	if c.DilationH == 0 {
		c.DilationH = 1
	}
	if c.DilationW == 0 {
		c.DilationW = 1
	}
	if c.Groups == 0 {
		c.Groups = 1
	}
	return c
}

// ConvOutSize returns floor((in + 2*pad - dil*(k-1) - 1)/stride) + 1, the
// output length of a convolution along one axis, or a value < 1 when the
// (padded) input is smaller than the dilated kernel.
func ConvOutSize(in, k, stride, pad, dil int) int {
	span := in + 2*pad - dil*(k-1) - 1
	if span < 0 {
		return 0
	}
	return span/stride + 1
}

// convGeom is the geometry of one conv call.
type convGeom struct {
	n, cin, h, w       int
	cout, kh, kw       int
	oh, ow             int
	cfg                ConvConfig
	cinG, coutG, colsK int // per-group input channels, output channels, rows of col (cinG*kh*kw)
}

func newConvGeom(x, w *Tensor, cfg ConvConfig) convGeom {
	cfg = cfg.normalized()
	if x.Dim() != 4 || w.Dim() != 4 {
		panic(fmt.Sprintf("nn: Conv2d: input %v and weight %v must both be 4-D (NCHW, [Cout,Cin/groups,kH,kW])", x.Shape, w.Shape))
	}
	// Checked here, on the caller's goroutine: a short slice found by a
	// worker goroutine would crash the process beyond any recover.
	for _, t := range []*Tensor{x, w} {
		if err := t.Check(); err != nil {
			panic("nn: Conv2d: " + err.Error())
		}
	}
	if cfg.StrideH < 1 || cfg.StrideW < 1 || cfg.DilationH < 1 || cfg.DilationW < 1 || cfg.PadH < 0 || cfg.PadW < 0 || cfg.Groups < 1 {
		panic(fmt.Sprintf("nn: Conv2d: invalid config %+v", cfg))
	}
	g := convGeom{n: x.Shape[0], cin: x.Shape[1], h: x.Shape[2], w: x.Shape[3],
		cout: w.Shape[0], kh: w.Shape[2], kw: w.Shape[3], cfg: cfg}
	if g.cin%cfg.Groups != 0 || g.cout%cfg.Groups != 0 || w.Shape[1]*cfg.Groups != g.cin {
		panic(fmt.Sprintf("nn: Conv2d: input %v, weight %v and groups %d do not fit (weight needs [Cout, Cin/groups, kH, kW])", x.Shape, w.Shape, cfg.Groups))
	}
	g.oh = ConvOutSize(g.h, g.kh, cfg.StrideH, cfg.PadH, cfg.DilationH)
	g.ow = ConvOutSize(g.w, g.kw, cfg.StrideW, cfg.PadW, cfg.DilationW)
	if g.oh < 1 || g.ow < 1 {
		panic(fmt.Sprintf("nn: Conv2d: input %v with padding (%d,%d) is smaller than the kernel %dx%d (dilation %d,%d)", x.Shape, cfg.PadH, cfg.PadW, g.kh, g.kw, cfg.DilationH, cfg.DilationW))
	}
	g.cinG, g.coutG = g.cin/cfg.Groups, g.cout/cfg.Groups
	g.colsK = g.cinG * g.kh * g.kw
	return g
}

// Conv2d applies a 2-D cross-correlation, as torch.nn.functional.conv2d.
//
//	x: [N, Cin, H, W]   w: [Cout, Cin/groups, kH, kW]   b: [Cout] or nil
//	y: [N, Cout, OH, OW], OH = floor((H + 2*padH - dilH*(kH-1) - 1)/strideH) + 1
//
// Forward is im2col + GEMM: the images of the batch are taken in chunks
// whose column matrices sit side by side, so that one GEMM per chunk and
// group has wide operands even for the small feature maps of deep layers.
// Backward is two GEMMs per chunk (weight gradient, column gradient) and
// col2im.
func Conv2d(x, w, b *Tensor, cfg ConvConfig) *Tensor {
	g := newConvGeom(x, w, cfg)
	g.checkBias(b)
	y := New(g.n, g.cout, g.oh, g.ow)
	g.forward(x, w, b, y)
	if anyTracked(x, w, b) {
		record(y, "Conv2d", []*Tensor{x, w, b}, func(gy *Tensor, gx []*Tensor) { conv2dBackward(x, w, g, gy, gx) })
	}
	return y
}

// Conv2dInto is Conv2d writing its result into y, which must have the
// output's shape and not overlap x, w or b. It is for inference loops that reuse
// their buffers: once warm it allocates nothing. It records no graph, so
// it panics if x, w or b is tracked (use Conv2d to get gradients).
func Conv2dInto(y, x, w, b *Tensor, cfg ConvConfig) *Tensor {
	g := newConvGeom(x, w, cfg)
	g.checkBias(b)
	if y == nil || y.Dim() != 4 || y.Shape[0] != g.n || y.Shape[1] != g.cout || y.Shape[2] != g.oh || y.Shape[3] != g.ow {
		var shape []int
		if y != nil {
			shape = y.Shape
		}
		panic(fmt.Sprintf("nn: Conv2dInto: output %v must be [%d %d %d %d] for input %v and weight %v", shape, g.n, g.cout, g.oh, g.ow, x.Shape, w.Shape))
	}
	if err := y.Check(); err != nil {
		panic("nn: Conv2dInto: output: " + err.Error())
	}
	if overlaps(y.Data, x.Data) || overlaps(y.Data, w.Data) || (b != nil && overlaps(y.Data, b.Data)) {
		panic("nn: Conv2dInto: output overlaps the input, the weights or the bias")
	}
	if anyTracked(x, w, b) {
		panic("nn: Conv2dInto records no graph; use Conv2d for tensors that need gradients")
	}
	g.forward(x, w, b, y)
	return y
}

// checkBias panics unless b is nil or has one element per output channel.
func (g convGeom) checkBias(b *Tensor) {
	if b != nil && (b.Dim() != 1 || b.Shape[0] != g.cout || b.Check() != nil) {
		panic(fmt.Sprintf("nn: Conv2d: bias %v does not match %d output channels", b.Shape, g.cout))
	}
}

// forward computes y = conv(x, w) + b, b optional.
func (g convGeom) forward(x, w, b, y *Tensor) {
	if !g.forwardTiled(x.Data, w.Data, y.Data, nil) {
		g.forwardChunked(x.Data, w.Data, y.Data, nil)
	}
	if b != nil {
		addChannelBias(y.Data, b.Data, g.n, g.oh*g.ow)
	}
}

// tileBytes bounds the column block of one forward tile, so that it is
// written and packed while it stays in a core's L2 cache.
const tileBytes = 384 << 10

// tileWeightBytes bounds the weights of a tiled conv: each tile reads all
// of them, which pays while they stay in L2 next to the tile (the early,
// large-image layers), not for the deep layers, whose weights are large
// and whose column matrices are small enough to be threaded as one GEMM.
const tileWeightBytes = 320 << 10

// tiling returns how the whole batch's column matrix is cut into tiles:
// rowsPer output rows of one image each, or (for small feature maps)
// imgsPer whole images each, and the number of tiles for all groups.
func (g convGeom) tiling() (rowsPer, imgsPer, count int) {
	plane := g.oh * g.ow
	target := max(96, tileBytes/(4*g.colsK))
	if plane > target {
		rowsPer = max(1, target/g.ow)
		// Prefer tiles of whole 16-column kernel slivers (2 rows of 56,
		// 4 of 28): a ragged last sliver runs on the slower edge path.
		for r := 1; r <= 16 && r <= rowsPer; r++ {
			if r*g.ow%16 == 0 {
				rowsPer = rowsPer / r * r
				break
			}
		}
		return rowsPer, 1, g.n * g.cfg.Groups * ((g.oh + rowsPer - 1) / rowsPer)
	}
	imgsPer = max(1, target/plane)
	return g.oh, imgsPer, g.cfg.Groups * ((g.n + imgsPer - 1) / imgsPer)
}

// forwardTiled computes the conv as independent tiles, one per core at a
// time: each tile writes its block of the column matrix into a per-core
// buffer that fits in L2 and multiplies it by the weights at once, on its
// own core, straight into y when the tile lies inside one image. Column
// matrices never go to memory and there is no second level of threads.
// It reports false (doing nothing) when there are too few tiles to keep
// every core busy or the weights are too large to be read once per tile;
// the product is then better threaded inside the GEMM. A non-nil ep is
// applied to each tile's output while it is still in cache.
func (g convGeom) forwardTiled(x, w, y []float32, ep *epilogue) bool {
	procs := runtime.GOMAXPROCS(0)
	rowsPer, imgsPer, count := g.tiling()
	if procs < 2 || count < 2*procs || 4*g.coutG*g.colsK > tileWeightBytes {
		return false
	}
	t := tiledForwards.Get().(*tiledForward)
	*t = tiledForward{chunks: chunks{n: count, chunk: 1}, g: g, x: x, w: w, y: y, ep: ep, rowsPer: rowsPer, imgsPer: imgsPer}
	workers.Do(t, min(procs, count)-1)
	*t = tiledForward{}
	tiledForwards.Put(t)
	return true
}

// tiledForward is forwardTiled's workers.Task, pooled so that a warm
// forward pass allocates nothing.
type tiledForward struct {
	chunks           // tiles, one at a time
	g                convGeom
	x, w, y          []float32
	ep               *epilogue
	rowsPer, imgsPer int
}

var tiledForwards = sync.Pool{New: func() any { return new(tiledForward) }}

// Run computes tiles until none is left, with its own column buffer.
func (tf *tiledForward) Run() {
	g, x, w, y, ep := &tf.g, tf.x, tf.w, tf.y, tf.ep
	rowsPer, imgsPer := tf.rowsPer, tf.imgsPer
	plane := g.oh * g.ow
	perGroup := tf.n / g.cfg.Groups
	col := getScratch(g.colsK * max(rowsPer*g.ow, imgsPer*plane))
	var out []float32
	if imgsPer > 1 {
		out = getScratch(g.coutG * imgsPer * plane)
	}
	for t, _, ok := tf.claim(); ok; t, _, ok = tf.claim() {
		gr, t := t/perGroup, t%perGroup
		wg := w[gr*g.coutG*g.colsK:]
		if imgsPer == 1 {
			tilesPerImage := (g.oh + rowsPer - 1) / rowsPer
			img, oi0 := t/tilesPerImage, t%tilesPerImage*rowsPer
			oi1 := min(g.oh, oi0+rowsPer)
			cols := (oi1 - oi0) * g.ow
			xc := x[(img*g.cin+gr*g.cinG)*g.h*g.w:]
			src, ld := col, cols
			if g.isPointwise() {
				src, ld = xc[oi0*g.ow:], plane
			} else {
				for ci := 0; ci < g.cinG; ci++ {
					im2colChannel(xc[ci*g.h*g.w:], *g, col[ci*g.kh*g.kw*cols:], cols, oi0, oi1)
				}
			}
			gemmSerial(false, false, g.coutG, cols, g.colsK, wg, g.colsK, src, ld, 0, y[(img*g.cout+gr*g.coutG)*plane+oi0*g.ow:], plane)
			if ep != nil {
				for ch := gr * g.coutG; ch < (gr+1)*g.coutG; ch++ {
					ep.apply(y, ch, (img*g.cout+ch)*plane+oi0*g.ow, cols)
				}
			}
			continue
		}
		n0 := t * imgsPer
		nb := min(imgsPer, g.n-n0)
		cols := nb * plane
		for i := 0; i < nb; i++ {
			xc := x[((n0+i)*g.cin+gr*g.cinG)*g.h*g.w:]
			for ci := 0; ci < g.cinG; ci++ {
				im2colChannel(xc[ci*g.h*g.w:], *g, col[ci*g.kh*g.kw*cols+i*plane:], cols, 0, g.oh)
			}
		}
		gemmSerial(false, false, g.coutG, cols, g.colsK, wg, g.colsK, col, cols, 0, out, cols)
		g.scatterSerial(out, y, n0, nb, gr, ep)
	}
	if out != nil {
		putScratch(out)
	}
	putScratch(col)
}

// forwardChunked is the forward pass as a few large GEMMs threaded inside
// the product: the images of the batch are taken in chunks whose column
// matrices sit side by side, so that the product is wide even for small
// feature maps. A non-nil ep is applied to the output.
func (g convGeom) forwardChunked(x, w, y []float32, ep *epilogue) {
	plane := g.oh * g.ow
	per := g.chunkImages()
	col := getScratch(g.colsK * (per*plane + colPad))
	out := getScratch(g.coutG * per * plane)
	for n0 := 0; n0 < g.n; n0 += per {
		nb := min(per, g.n-n0)
		cols := nb * plane
		for gr := 0; gr < g.cfg.Groups; gr++ {
			src, ld := g.columns(x, n0, nb, gr, col)
			if nb == 1 {
				// One image: the GEMM writes straight into y.
				ys := y[(n0*g.cout+gr*g.coutG)*plane:]
				gemm(false, false, g.coutG, plane, g.colsK, 1, w[gr*g.coutG*g.colsK:], g.colsK, src, ld, 0, ys, plane)
				if ep != nil {
					g.finishChunk(nil, y, n0, 1, gr, ep)
				}
				continue
			}
			gemm(false, false, g.coutG, cols, g.colsK, 1, w[gr*g.coutG*g.colsK:], g.colsK, src, ld, 0, out, cols)
			g.finishChunk(out, y, n0, nb, gr, ep)
		}
	}
	putScratch(out)
	putScratch(col)
}

// finishChunk copies a chunk's GEMM output out ([coutG, nb*plane], images
// n0..n0+nb-1, group gr) to its places in y ([N, cout, plane]), applying
// ep (if not nil) to each copied row; with out == nil the rows are already
// in y and only ep is applied. Rows are shared among the cores.
func (g convGeom) finishChunk(out, y []float32, n0, nb, gr int, ep *epilogue) {
	t := chunkFinishes.Get().(*chunkFinish)
	rows, chunk := nb*g.coutG, max(1, elementGrain/(g.oh*g.ow))
	*t = chunkFinish{chunks: chunks{n: rows, chunk: chunk}, g: g, out: out, y: y, n0: n0, nb: nb, gr: gr, ep: ep}
	workers.Do(t, min(runtime.GOMAXPROCS(0), (rows+chunk-1)/chunk)-1)
	*t = chunkFinish{}
	chunkFinishes.Put(t)
}

// chunkFinish is finishChunk's workers.Task, pooled so that it does not
// allocate.
type chunkFinish struct {
	chunks     // rows (image, channel)
	g          convGeom
	out, y     []float32
	n0, nb, gr int
	ep         *epilogue
}

var chunkFinishes = sync.Pool{New: func() any { return new(chunkFinish) }}

// Run finishes chunks of rows (image i, channel o) until none is left.
func (t *chunkFinish) Run() {
	g := &t.g
	plane := g.oh * g.ow
	cols := t.nb * plane
	for lo, hi, ok := t.claim(); ok; lo, hi, ok = t.claim() {
		for r := lo; r < hi; r++ {
			i, o := r/g.coutG, r%g.coutG
			ch := t.gr*g.coutG + o
			off := ((t.n0+i)*g.cout + ch) * plane
			if t.out != nil {
				copy(t.y[off:off+plane], t.out[o*cols+i*plane:][:plane])
			}
			if t.ep != nil {
				t.ep.apply(t.y, ch, off, plane)
			}
		}
	}
}

// chunkImages returns how many images share one column matrix: enough for
// at least ~4096 columns, within a ~16 MB column buffer.
func (g convGeom) chunkImages() int {
	plane := g.oh * g.ow
	per := max(1, 4096/plane)
	if limit := (4 << 20) / max(1, g.colsK*plane); per > limit {
		per = max(1, limit)
	}
	return min(per, g.n)
}

// isPointwise reports a 1x1, stride-1, unpadded conv, whose column matrix
// for one image is the input itself.
func (g convGeom) isPointwise() bool {
	c := g.cfg
	return g.kh == 1 && g.kw == 1 && c.StrideH == 1 && c.StrideW == 1 && c.PadH == 0 && c.PadW == 0
}

// columns returns the [colsK, nb*plane] column matrix of images
// n0..n0+nb-1 and group gr, and its row stride. For one image of a
// pointwise conv it is the input itself; otherwise it is written to col
// (of at least colsK*(nb*plane+colPad) floats) with the row stride
// that the GEMM reads in place, so that im2col is the only copy of it.
func (g convGeom) columns(x []float32, n0, nb, gr int, col []float32) ([]float32, int) {
	plane := g.oh * g.ow
	if nb == 1 && g.isPointwise() {
		return x[(n0*g.cin+gr*g.cinG)*g.h*g.w:], plane
	}
	ld := sgemm.ColumnStride(nb * plane)
	t := im2colTasks.Get().(*im2colTask)
	*t = im2colTask{chunks: chunks{n: nb * g.cinG, chunk: 1}, g: g, x: x, col: col, ld: ld, n0: n0, nb: nb, gr: gr}
	workers.Do(t, min(runtime.GOMAXPROCS(0), nb*g.cinG)-1)
	*t = im2colTask{}
	im2colTasks.Put(t)
	return col, ld
}

// colPad bounds the padding sgemm.ColumnStride adds to a row: less than
// two cache lines.
const colPad = 32

// im2colTask writes the column matrix of columns(), one input channel of
// one image at a time (a workers.Task, pooled so that it does not
// allocate).
type im2colTask struct {
	chunks     // (image, input channel) pairs, one at a time
	g          convGeom
	x, col     []float32
	ld         int // row stride of col
	n0, nb, gr int
}

var im2colTasks = sync.Pool{New: func() any { return new(im2colTask) }}

// Run writes channels until none is left.
func (t *im2colTask) Run() {
	g := &t.g
	plane := g.oh * g.ow
	ld := t.ld
	for k, _, ok := t.claim(); ok; k, _, ok = t.claim() {
		i, ci := k/g.cinG, k%g.cinG
		xc := t.x[((t.n0+i)*g.cin+t.gr*g.cinG+ci)*g.h*g.w:]
		im2colChannel(xc, *g, t.col[ci*g.kh*g.kw*ld+i*plane:], ld, 0, g.oh)
	}
}

func conv2dBackward(x, w *Tensor, g convGeom, gy *Tensor, grads []*Tensor) {
	gX, gW, gB := grads[0], grads[1], grads[2]
	plane := g.oh * g.ow
	if gB != nil {
		for n := 0; n < g.n; n++ {
			for o := 0; o < g.cout; o++ {
				var s float32
				for _, v := range gy.Data[(n*g.cout+o)*plane : (n*g.cout+o+1)*plane] {
					s += v
				}
				gB.Data[o] += s
			}
		}
	}
	if gX == nil && gW == nil {
		return
	}
	if g.backwardTiled(x.Data, w.Data, gy.Data, gX, gW) {
		return
	}
	per := g.chunkImages()
	col := getScratch(g.colsK * (per*plane + colPad))
	gys := getScratch(g.coutG * per * plane)
	defer putScratch(col)
	defer putScratch(gys)
	var gwT []float32 // the weight gradient of the batch, transposed
	if gW != nil && g.weightGradTransposed(1) {
		gwT = getScratch(len(gW.Data))
		clear(gwT)
		defer func() {
			g.addTransposedGroups(gW.Data, gwT)
			putScratch(gwT)
		}()
	}
	for n0 := 0; n0 < g.n; n0 += per {
		nb := min(per, g.n-n0)
		cols := nb * plane
		for gr := 0; gr < g.cfg.Groups; gr++ {
			// gy of the chunk as [coutG, nb*plane] (a view for one image).
			gyc, ldy := gy.Data[(n0*g.cout+gr*g.coutG)*plane:], plane
			if nb > 1 {
				parallelFor(nb, 1, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						for o := 0; o < g.coutG; o++ {
							copy(gys[o*cols+i*plane:][:plane], gy.Data[((n0+i)*g.cout+gr*g.coutG+o)*plane:][:plane])
						}
					}
				})
				gyc, ldy = gys, cols
			}
			ws := w.Data[gr*g.coutG*g.colsK:]
			if gW != nil {
				src, ld := g.columns(x.Data, n0, nb, gr, col)
				if gwT != nil {
					// gwT[colsK, coutG] += col[colsK, cols] * gy^T[cols, coutG]
					gemm(false, true, g.colsK, g.coutG, cols, 1, src, ld, gyc, ldy, 1, gwT[gr*g.coutG*g.colsK:], g.coutG)
				} else {
					// gW[coutG, colsK] += gy[coutG, cols] * col^T[cols, colsK]
					gemm(false, true, g.coutG, g.colsK, cols, 1, gyc, ldy, src, ld, 1, gW.Data[gr*g.coutG*g.colsK:], g.colsK)
				}
			}
			if gX == nil {
				continue
			}
			if nb == 1 && g.isPointwise() {
				gxs := gX.Data[(n0*g.cin+gr*g.cinG)*g.h*g.w:]
				gemm(true, false, g.colsK, plane, g.coutG, 1, ws, g.colsK, gyc, ldy, 1, gxs, plane)
				continue
			}
			// col[colsK, cols] = w^T[colsK, coutG] * gy[coutG, cols]
			gemm(true, false, g.colsK, cols, g.coutG, 1, ws, g.colsK, gyc, ldy, 0, col, cols)
			parallelFor(nb*g.cinG, 1, func(lo, hi int) {
				for t := lo; t < hi; t++ {
					i, ci := t/g.cinG, t%g.cinG
					gxc := gX.Data[((n0+i)*g.cin+gr*g.cinG+ci)*g.h*g.w:]
					col2imChannel(col[ci*g.kh*g.kw*cols+i*plane:], g, gxc, cols, 0, g.oh)
				}
			})
		}
	}
}

// backwardTiled is the backward pass as independent per-image tasks, each
// core taking a fixed, contiguous share of them, each task walking its
// image in the forward pass's row tiles: the tile's column matrix (for the
// weight gradient, accumulated per core and summed at the end in core
// order, so that the result does not depend on timing) and its gradient
// (scattered back by col2im, in order within the image, so tasks never
// write the same input element) stay in L2, and every GEMM runs on its own
// core. It reports false, doing nothing, where forwardTiled would, or when
// there are fewer images than twice the cores.
func (g convGeom) backwardTiled(x, w, gy []float32, gX, gW *Tensor) bool {
	procs := runtime.GOMAXPROCS(0)
	rowsPer, imgsPer, _ := g.tiling()
	count := g.n * g.cfg.Groups
	if procs < 2 || imgsPer > 1 || count < 2*procs || 4*g.coutG*g.colsK > tileWeightBytes {
		return false
	}
	plane := g.oh * g.ow
	tileCols := rowsPer * g.ow
	nw := min(procs, count)
	partial := make([][]float32, nw) // per-core weight gradients
	transposed := g.weightGradTransposed(nw)
	work := func(wi int) {
		colX := getScratch(g.colsK * tileCols)
		colG := getScratch(g.colsK * tileCols)
		var gw []float32
		if gW != nil {
			gw = getScratch(len(gW.Data))
			clear(gw)
			partial[wi] = gw
		}
		for t := wi * count / nw; t < (wi+1)*count/nw; t++ {
			img, gr := t/g.cfg.Groups, t%g.cfg.Groups
			xc := x[(img*g.cin+gr*g.cinG)*g.h*g.w:]
			ws := w[gr*g.coutG*g.colsK:]
			for oi0 := 0; oi0 < g.oh; oi0 += rowsPer {
				oi1 := min(g.oh, oi0+rowsPer)
				cols := (oi1 - oi0) * g.ow
				gyc := gy[(img*g.cout+gr*g.coutG)*plane+oi0*g.ow:]
				if gw != nil {
					// The weight gradient, maybe transposed (see
					// weightGradTransposed).
					src, ld := colX, cols
					if g.isPointwise() {
						src, ld = xc[oi0*g.ow:], plane
					} else {
						for ci := 0; ci < g.cinG; ci++ {
							im2colChannel(xc[ci*g.h*g.w:], g, colX[ci*g.kh*g.kw*cols:], cols, oi0, oi1)
						}
					}
					if transposed {
						// gwT[colsK, coutG] += col[colsK, cols] * gy^T[cols, coutG]
						gemmSerial(false, true, g.colsK, g.coutG, cols, src, ld, gyc, plane, 1, gw[gr*g.coutG*g.colsK:], g.coutG)
					} else {
						// gW[coutG, colsK] += gy[coutG, cols] * col^T[cols, colsK]
						gemmSerial(false, true, g.coutG, g.colsK, cols, gyc, plane, src, ld, 1, gw[gr*g.coutG*g.colsK:], g.colsK)
					}
				}
				if gX == nil {
					continue
				}
				gxc := gX.Data[(img*g.cin+gr*g.cinG)*g.h*g.w:]
				if g.isPointwise() {
					gemmSerial(true, false, g.colsK, cols, g.coutG, ws, g.colsK, gyc, plane, 1, gxc[oi0*g.ow:], plane)
					continue
				}
				// col[colsK, cols] = w^T[colsK, coutG] * gy[coutG, cols]
				gemmSerial(true, false, g.colsK, cols, g.coutG, ws, g.colsK, gyc, plane, 0, colG, cols)
				for ci := 0; ci < g.cinG; ci++ {
					col2imChannel(colG[ci*g.kh*g.kw*cols:], g, gxc[ci*g.h*g.w:], cols, oi0, oi1)
				}
			}
		}
		putScratch(colG)
		putScratch(colX)
	}
	// Shares, not goroutines, own the partial sums, so any goroutine may
	// take any share and the sum below is in a fixed order.
	parallelFor(nw, 1, func(lo, hi int) {
		for wi := lo; wi < hi; wi++ {
			work(wi)
		}
	})
	for _, gw := range partial {
		if gw == nil {
			continue
		}
		if transposed {
			g.addTransposedGroups(gW.Data, gw)
		} else {
			vecAxpy(gW.Data, gw, 1)
		}
		putScratch(gw)
	}
	return true
}

// im2colChannel writes the kh*kw rows of one input channel's column
// matrix (row stride ld) for output rows [oi0, oi1) of one image; padded
// positions are 0. Each
// output row splits into a left padding run, a run read from the input
// (a copy at stride 1, a strided gather otherwise) and a right padding
// run, so that no per-element test is left in the loop.
func im2colChannel(xc []float32, g convGeom, col []float32, ld, oi0, oi1 int) {
	c := g.cfg
	if g.isSameStride1() {
		im2colSame(xc, g, col, ld, oi0, oi1)
		return
	}
	for ki := 0; ki < g.kh; ki++ {
		for kj := 0; kj < g.kw; kj++ {
			row := col[(ki*g.kw+kj)*ld:]
			iw := kj*c.DilationW - c.PadW
			lo, hi := validRange(iw, c.StrideW, g.w, g.ow)
			for oi := oi0; oi < oi1; oi++ {
				ih := oi*c.StrideH - c.PadH + ki*c.DilationH
				out := row[(oi-oi0)*g.ow : (oi-oi0+1)*g.ow]
				if ih < 0 || ih >= g.h || lo >= hi {
					clear(out)
					continue
				}
				xr := xc[ih*g.w : (ih+1)*g.w]
				clear(out[:lo])
				clear(out[hi:])
				if c.StrideW == 1 {
					copy(out[lo:hi], xr[iw+lo:])
					continue
				}
				src := iw + lo*c.StrideW
				if c.StrideW == 2 && hi-lo >= 16 {
					// Rows of 28 to 112 outputs (conv1, layer2.0);
					// for shorter rows the call costs more than it saves.
					vecEvens(out[lo:hi], xr[src:])
					continue
				}
				for oj := lo; oj < hi; oj++ {
					out[oj] = xr[src]
					src += c.StrideW
				}
			}
		}
	}
}

// validRange returns the output columns [lo, hi) whose input column
// iw + oj*stride lies inside [0, w), for oj in [0, ow).
func validRange(iw, stride, w, ow int) (lo, hi int) {
	if iw < 0 {
		lo = (-iw + stride - 1) / stride
	}
	if w-iw > 0 {
		hi = min(ow, (w-iw+stride-1)/stride)
	}
	return min(lo, ow), max(hi, min(lo, ow))
}

// col2imChannel adds one input channel's kh*kw column rows (row stride ld)
// of output rows [oi0, oi1) back into its image gradient (the adjoint of im2colChannel): overlapping
// windows accumulate.
func col2imChannel(col []float32, g convGeom, gc []float32, ld, oi0, oi1 int) {
	c := g.cfg
	if g.isSameStride1() {
		col2imSame(col, g, gc, ld, oi0, oi1)
		return
	}
	for ki := 0; ki < g.kh; ki++ {
		for kj := 0; kj < g.kw; kj++ {
			row := col[(ki*g.kw+kj)*ld:]
			iw := kj*c.DilationW - c.PadW
			lo, hi := validRange(iw, c.StrideW, g.w, g.ow)
			if lo >= hi {
				continue
			}
			for oi := oi0; oi < oi1; oi++ {
				ih := oi*c.StrideH - c.PadH + ki*c.DilationH
				if ih < 0 || ih >= g.h {
					continue
				}
				gr := gc[ih*g.w : (ih+1)*g.w]
				src := row[(oi-oi0)*g.ow : (oi-oi0+1)*g.ow]
				if c.StrideW == 1 {
					vecAxpy(gr[iw+lo:iw+hi], src[lo:hi], 1)
					continue
				}
				dst := iw + lo*c.StrideW
				for _, v := range src[lo:hi] {
					gr[dst] += v
					dst += c.StrideW
				}
			}
		}
	}
}

// isSameStride1 reports a stride-1, undilated conv whose output has the
// input's size (3x3 with padding 1, say). Each row of its column matrix is
// then the input plane shifted by s = (ki-padH)*w + (kj-padW) elements,
// with the positions that fall outside the image set to 0.
func (g convGeom) isSameStride1() bool {
	c := g.cfg
	return c.StrideH == 1 && c.StrideW == 1 && c.DilationH == 1 && c.DilationW == 1 && g.oh == g.h && g.ow == g.w
}

// im2colSame is im2colChannel for isSameStride1 convs: one copy of the
// shifted plane per kernel tap, clipped to the tile's rows, then the
// columns the shift wrapped around to the neighbouring row set to 0 (out
// of image rows are outside the copied range or in those columns).
func im2colSame(xc []float32, g convGeom, col []float32, ld, oi0, oi1 int) {
	plane := g.h * g.w
	lo, hi := oi0*g.ow, oi1*g.ow
	for ki := 0; ki < g.kh; ki++ {
		for kj := 0; kj < g.kw; kj++ {
			row := col[(ki*g.kw+kj)*ld:][:hi-lo]
			sw := kj - g.cfg.PadW
			s := (ki-g.cfg.PadH)*g.w + sw
			a, b := max(lo, -s), min(hi, plane-s)
			if a >= b {
				clear(row)
				continue
			}
			clear(row[:a-lo])
			copy(row[a-lo:b-lo], xc[a+s:b+s])
			clear(row[b-lo:])
			zeroWrapped(row, g.ow, sw)
		}
	}
}

// zeroWrapped sets to 0 the columns of each ow-wide row of row whose input
// column is outside the image after a horizontal shift sw.
func zeroWrapped(row []float32, ow, sw int) {
	if sw == 0 {
		return
	}
	j0, j1 := 0, -sw // sw < 0: the first -sw columns
	if sw > 0 {
		j0, j1 = ow-sw, ow
	}
	j0, j1 = max(j0, 0), min(j1, ow)
	for r := 0; r+ow <= len(row); r += ow {
		for j := j0; j < j1; j++ {
			row[r+j] = 0
		}
	}
}

// col2imSame is col2imChannel for isSameStride1 convs: the adjoint of
// im2colSame, one vector add per kernel tap after zeroing (in the scratch
// column matrix) the wrapped columns, which belong to no input element.
func col2imSame(col []float32, g convGeom, gc []float32, ld, oi0, oi1 int) {
	plane := g.h * g.w
	lo, hi := oi0*g.ow, oi1*g.ow
	for ki := 0; ki < g.kh; ki++ {
		for kj := 0; kj < g.kw; kj++ {
			row := col[(ki*g.kw+kj)*ld:][:hi-lo]
			sw := kj - g.cfg.PadW
			s := (ki-g.cfg.PadH)*g.w + sw
			a, b := max(lo, -s), min(hi, plane-s)
			if a >= b {
				continue
			}
			zeroWrapped(row, g.ow, sw)
			vecAxpy(gc[a+s:b+s], row[a-lo:b-lo], 1)
		}
	}
}

// scatterSerial is finishChunk on the calling goroutine, for the tiles of
// forwardTiled, which already run one per core.
func (g convGeom) scatterSerial(out, y []float32, n0, nb, gr int, ep *epilogue) {
	rows := nb * g.coutG
	t := chunkFinish{chunks: chunks{n: rows, chunk: rows}, g: g, out: out, y: y, n0: n0, nb: nb, gr: gr, ep: ep}
	t.Run()
}

// weightGradTransposed reports whether the backward pass computes the
// weight gradient transposed, as col[colsK, cols] * gy^T[cols, coutG]
// into partials buffers that addTransposedGroups adds to gW. The GEMM then
// packs gy (coutG rows) instead of the column matrix (colsK = 9*cin rows
// for a 3x3 conv) and reads the column matrix in place; packing the
// transposed column matrix was 5% of a training step. It pays when the
// packing saved, (colsK-coutG) elements per column of the batch, exceeds
// the transposed adds (counted twice: strided): the early layers (layer1
// at batch 8: 17.5 -> 11.1 ms), not a 1x1 downsample (colsK < coutG) nor
// layer4 (7x7 maps, 4608x512 weights).
func (g convGeom) weightGradTransposed(partials int) bool {
	if weightGradMode != 0 {
		return weightGradMode > 0
	}
	saved := (g.colsK - g.coutG) * g.n * g.oh * g.ow
	return saved > 2*partials*g.colsK*g.coutG*g.cfg.Groups
}

// addTransposedGroups adds gwT, the weight gradient with each group's
// [coutG, colsK] block stored transposed ([colsK, coutG]), to gW.
func (g convGeom) addTransposedGroups(gW, gwT []float32) {
	block := g.coutG * g.colsK
	for gr := 0; gr < g.cfg.Groups; gr++ {
		dst, src := gW[gr*block:][:block], gwT[gr*block:][:block]
		// In 32x32 tiles, so that the strided side stays in cache.
		const t = 32
		for r0 := 0; r0 < g.colsK; r0 += t {
			for o0 := 0; o0 < g.coutG; o0 += t {
				for o := o0; o < min(o0+t, g.coutG); o++ {
					row := dst[o*g.colsK:]
					for r := r0; r < min(r0+t, g.colsK); r++ {
						row[r] += src[r*g.coutG+o]
					}
				}
			}
		}
	}
}

// weightGradMode is the test hook for weightGradTransposed: 1 forces the
// transposed weight gradient, -1 the plain one, 0 leaves it to the rule.
var weightGradMode = 0
