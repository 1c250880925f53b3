// Each cluster is several agents with their own containerd: one cluster at a time keeps the
// machine's load (and so the tests' waits) bounded.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
