"""The planners (allocation, Unpaid Work, programme groups), what they share (core), the store,
synthetic data and the `probation` CLI."""
