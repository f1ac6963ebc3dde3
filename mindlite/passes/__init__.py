"""Graph -> Graph passes: autodiff, dead-code elimination, CSE, constant folding, ..."""
