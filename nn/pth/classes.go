package pth

import "fmt"

// UnsupportedClassError reports a pickle that names a Python class or
// function outside the small set a state_dict needs. Nothing named in a file
// is ever run; this error is how every other class is refused.
type UnsupportedClassError struct {
	Module, Name string
}

// Error names the class, e.g. `unsupported pickle class "os.system"`.
func (e *UnsupportedClassError) Error() string {
	return fmt.Sprintf("unsupported pickle class %q", e.Module+"."+e.Name)
}

// storageDtypes maps the torch storage classes a state_dict uses to the
// element type they hold. Floating types are converted by value to float32,
// integer and bool types to int64.
var storageDtypes = map[string]*dtype{
	"FloatStorage":    {name: "float32", size: 4, float: true},
	"DoubleStorage":   {name: "float64", size: 8, float: true},
	"HalfStorage":     {name: "float16", size: 2, float: true},
	"BFloat16Storage": {name: "bfloat16", size: 2, float: true},
	"LongStorage":     {name: "int64", size: 8},
	"IntStorage":      {name: "int32", size: 4},
	"ShortStorage":    {name: "int16", size: 2},
	"CharStorage":     {name: "int8", size: 1},
	"ByteStorage":     {name: "uint8", size: 1},
	"BoolStorage":     {name: "bool", size: 1},
}

// allowedClass reports whether module.name is one of the globals a
// state_dict pickle refers to.
func allowedClass(module, name string) bool {
	switch module {
	case "collections":
		return name == "OrderedDict"
	case "torch._utils":
		return name == "_rebuild_tensor_v2" || name == "_rebuild_parameter"
	case "torch":
		_, ok := storageDtypes[name]
		return ok
	}
	return false
}

// findClass is the unpickler's FindClass: it maps the allowed globals to Go
// values that build tensor descriptions, and refuses everything else.
// (gopickle resolves collections.OrderedDict itself, to an inert Go type.)
func (d *decoder) findClass(module, name string) (any, error) {
	if !allowedClass(module, name) {
		return nil, &UnsupportedClassError{Module: module, Name: name}
	}
	switch module {
	case "torch._utils":
		if name == "_rebuild_parameter" {
			return rebuildParameter{}, nil
		}
		return rebuildTensor{d}, nil
	case "torch":
		return storageDtypes[name], nil
	}
	// collections.OrderedDict never reaches here: gopickle handles it.
	return nil, &UnsupportedClassError{Module: module, Name: name}
}
