module github.com/seedling-ml/seedling

go 1.26.0

require (
	github.com/nlpodyssey/gopickle v0.2.0
	github.com/stretchr/testify v1.12.1
	golang.org/x/image v0.48.0
	gonum.org/v1/gonum v0.17.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
