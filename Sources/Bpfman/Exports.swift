// The model (requests, attach info, errors) is part of the core's API: users of
// the core need not import it separately.
@_exported import BpfmanModel
