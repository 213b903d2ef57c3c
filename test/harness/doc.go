// Package harness renders, validates and converges Crossplane compositions
// offline. It runs every composition function of the repository as a local
// gRPC process, drives them with the crossplane CLI (`crank render` and
// `crank beta validate`, built from the version pinned in go.mod) and
// simulates providers by giving composed managed resources a plausible status.
//
// The harness is generic: it knows the repository layout (functions/<name>,
// package/xrds, package/compositions, examples) but nothing about a particular
// composition. Provider knowledge lives only in the simulator's rule table.
//
// The harness never links the crossplane render package or the function SDK:
// both register the same protobuf files, so it executes the CLI and the
// functions as separate processes.
package harness
