package dataset

import "github.com/seedling-ml/seedling/nn"

type nnTensor = nn.Tensor
