package dataset

import (
	"runtime"
	"sort"
	"sync"
)

// Scan decodes every sample with the given number of goroutines (0 means
// GOMAXPROCS) and returns the files that fail, sorted by path, each with an
// error naming it. Run it before training to find every broken file at once
// instead of one per crashed epoch. Decoded images go to the cache when one
// is enabled (WithCache).
func (d *Dataset) Scan(workers int) []BadFile {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var (
		mu  sync.Mutex
		bad []BadFile
		wg  sync.WaitGroup
	)
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := d.Image(i); err != nil {
					mu.Lock()
					bad = append(bad, BadFile{Path: d.Samples[i].Path, Err: err})
					mu.Unlock()
				}
			}
		}()
	}
	for i := range d.Samples {
		next <- i
	}
	close(next)
	wg.Wait()
	sort.Slice(bad, func(i, j int) bool { return bad[i].Path < bad[j].Path })
	return bad
}
