package pth_test

import (
	"fmt"
	"log"

	"github.com/seedling-ml/seedling/nn/pth"
)

// Load a checkpoint dict saved during training: the state_dict is found
// under its "state_dict" key, the other entries are listed as ignored, and
// the names keep their "module." prefix. (The file is in the shared test
// data, so this example is compiled but not run; TestLoadC09 checks it.)
func ExampleLoad() {
	st, err := pth.Load("../shared/cases/C09_module_prefix_nbt/training_checkpoint.pth")
	if err != nil {
		log.Fatal(err)
	}
	w, err := st.Float("module.conv1.weight")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Shape, st.Ints["module.bn1.num_batches_tracked"].Data, st.Metadata["wrapper"], st.Metadata["ignored"])
	// Prints: [4 3 3 3] [7] state_dict epoch,best_acc,optimizer
}
