// The bpfman.v1 protocol (generated code, conversion, client) comes with the
// server for its users (the CLI, tests, benches).
@_exported import BpfmanProto
