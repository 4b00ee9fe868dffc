package cli

import "sort"

// Commands is every command of the CLI: one per operation of the spec
// (its flags made from the model), the token command, and own, the
// commands written elsewhere, sorted by name. A command of own (or the
// token command) whose Op names an operation replaces the one the spec
// would make for it. The error is a spec embedded in the build that does
// not model: a defect of the build.
func Commands(own ...Command) ([]Command, error) {
	ops, err := specOps()
	if err != nil {
		return nil, err
	}
	byHand := append([]Command{tokenCommand}, own...)
	handled := map[string]bool{}
	for _, c := range byHand {
		if c.Op != "" {
			handled[c.Op] = true
		}
	}
	var all []Command
	for _, o := range ops {
		if !handled[o.op.ID] {
			all = append(all, specCommand(o))
		}
	}
	all = append(all, byHand...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, nil
}
