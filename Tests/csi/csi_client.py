#!/usr/bin/env python3
"""A CSI client that shares no code with bpfman-swift: grpcio with stubs that
protoc generates from proto/csi/csi.proto at test time.

usage: csi_client.py STUBS_DIR SOCKET CALLS_JSON
CALLS_JSON is a list of {"service": "Identity"|"Node", "method": NAME,
"request": {...}} with requests in protobuf's JSON mapping; prints one result
per call: {"ok": true, "response": {...}} or {"ok": false, "code": NAME,
"details": TEXT}.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402
import csi.csi_pb2 as pb  # noqa: E402
import csi.csi_pb2_grpc as rpc  # noqa: E402

channel = grpc.insecure_channel("unix://" + sys.argv[2])
stubs = {"Identity": rpc.IdentityStub(channel), "Node": rpc.NodeStub(channel)}
results = []
for call in json.loads(sys.argv[3]):
    method = getattr(stubs[call["service"]], call["method"])
    request_type = getattr(pb, call["method"] + "Request")
    request = json_format.ParseDict(call.get("request", {}), request_type())
    try:
        response = method(request, timeout=30)
        results.append({"ok": True, "response": json_format.MessageToDict(response, preserving_proto_field_name=True)})
    except grpc.RpcError as e:
        results.append({"ok": False, "code": e.code().name, "details": e.details()})
print(json.dumps(results))
