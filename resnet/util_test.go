package resnet

import "math"

func sqrt(v float64) float64 { return math.Sqrt(v) }
