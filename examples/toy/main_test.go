package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The tiny network learns the bar task: for several seeds the loss falls
// and the held-out accuracy ends near 100%, with a line printed per report.
func TestToyLearns(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			var out bytes.Buffer
			log, err := run(&out, 60, 16, 0.01, seed)
			require.NoError(t, err)
			require.Len(t, log, 7, "step 1 and every 10th")
			first, last := log[0], log[len(log)-1]
			require.Equal(t, 60, last.Step)
			require.Less(t, last.Loss, first.Loss/2, "loss goes down")
			require.GreaterOrEqual(t, last.Accuracy, 0.9)
			require.Equal(t, 7, strings.Count(out.String(), "held-out accuracy"))
		})
	}
}

func TestToyRejectsBadArguments(t *testing.T) {
	for _, tc := range []struct{ steps, batch int }{{0, 16}, {10, 0}, {-1, -1}} {
		_, err := run(&bytes.Buffer{}, tc.steps, tc.batch, 0.01, 1)
		require.ErrorContains(t, err, "must be at least 1")
	}
}
