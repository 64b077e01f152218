# bpfman-swift — `make help` lists the targets.

SHELL := /bin/bash
SWIFT ?= swift
BPF_CLANG ?= clang
ARCH := $(shell uname -m)
BPF_ARCH := $(if $(filter aarch64,$(ARCH)),arm64,x86)
BPF_CFLAGS := -target bpf -g -O2 -Wall -D__TARGET_ARCH_$(BPF_ARCH) -I/usr/include/$(ARCH)-linux-gnu
BPF_OUT := .build/bpf
BPF_SRCS := $(wildcard bpf/examples/*.bpf.c) $(wildcard bpf/testdata/*.bpf.c) $(wildcard bpf/dispatchers/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BPF_OUT)/%.bpf.o,$(BPF_SRCS))
TEST_BINS := $(BPF_OUT)/testdata/uprobe_target
# The guest kernel for the VM tier (DESIGN.md §4): Debian's linux-image-amd64.
VM_KERNEL ?= $(lastword $(sort $(wildcard /boot/vmlinuz-*)))
SWIFT_TEST_FLAGS ?= --no-parallel

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: deps
deps: ## Install system packages and tools this project needs (idempotent).
	@hack/install-deps

.PHONY: bpf
bpf: $(BPF_OBJS) $(TEST_BINS) ## Compile the example and test BPF programs (clang -target bpf).

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c bpf/examples/common.h bpf/dispatchers/dispatcher.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OUT)/testdata/uprobe_target: bpf/testdata/uprobe_target.c
	@mkdir -p $(dir $@)
	cc -O0 -g -o $@ $<

.PHONY: build
build: bpf ## Build the binaries (debug).
	$(SWIFT) build

.PHONY: release
release: bpf ## Build the binaries (release).
	$(SWIFT) build -c release

.PHONY: fmt
fmt: ## Format Swift sources with swift-format (ships with the toolchain).
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

GEN_DIR := Sources/BpfmanRPC/Generated
.PHONY: generate-proto
generate-proto: ## Regenerate the committed bpfman.v1 Swift code from proto/bpfman.proto (Debian's protoc).
	@mkdir -p $(GEN_DIR)
	$(MAKE) --no-print-directory gen-proto-into OUT=$(GEN_DIR)

.PHONY: gen-proto-into
gen-proto-into:
	@command -v protoc >/dev/null || hack/install-deps
	$(SWIFT) build --product protoc-gen-swift
	$(SWIFT) build --product protoc-gen-grpc-swift-2
	protoc -I proto \
	  --plugin=protoc-gen-swift=$$($(SWIFT) build --show-bin-path)/protoc-gen-swift \
	  --plugin=protoc-gen-grpc-swift=$$($(SWIFT) build --show-bin-path)/protoc-gen-grpc-swift-2 \
	  --swift_out=Visibility=Public:$(OUT) --grpc-swift_out=Visibility=Public:$(OUT) \
	  proto/bpfman.proto proto/cri/runtime.proto

.PHONY: manifests
manifests: ## Write config/crd and config/rbac from the Swift API types (Sources/BpfmanAPI).
	$(SWIFT) build --product bpfman-manifests
	$$($(SWIFT) build --show-bin-path)/bpfman-manifests config

.PHONY: verify
verify: verify-manifests verify-proto ## Fail when committed generated files differ from what their sources generate.

.PHONY: verify-manifests
verify-manifests:
	@$(SWIFT) build --product bpfman-manifests >/dev/null
	@tmp=$$(mktemp -d) && $$($(SWIFT) build --show-bin-path)/bpfman-manifests $$tmp >/dev/null && \
	  diff -ru $$tmp/crd config/crd && diff -ru $$tmp/rbac config/rbac && rm -rf $$tmp && \
	  echo "verify: config/crd and config/rbac match the Swift types"

.PHONY: verify-proto
verify-proto:
	@tmp=$$(mktemp -d) && $(MAKE) --no-print-directory gen-proto-into OUT=$$tmp >/dev/null && \
	  diff -ru $$tmp $(GEN_DIR) && rm -rf $$tmp && echo "verify: generated protobuf code is current"

.PHONY: clean
clean: ## Remove build output.
	rm -rf .build

KUBESIM_LISTEN ?= 127.0.0.1:6443
.PHONY: kubesim
kubesim: ## Run kubesim in the foreground; kubeconfig at .build/kubesim/kubeconfig, state in .build/kubesim/data.
	$(SWIFT) build --product kubesim
	.build/debug/kubesim --listen $(KUBESIM_LISTEN) --kubeconfig .build/kubesim/kubeconfig --data-dir .build/kubesim/data

##@ Test

.PHONY: test
test: deps bpf ## Run every test tier: unit, kernel (host, as root) and vm; verify generated files.
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory verify
	$(MAKE) --no-print-directory test-host
	$(MAKE) --no-print-directory test-vm

.PHONY: test-host
test-host: bpf ## Unit and host-kernel tests (VM-only tests say they run in test-vm).
	$(SWIFT) test $(SWIFT_TEST_FLAGS)

.PHONY: test-vm
test-vm: bpf ## Boot Debian's 6.1 kernel under virtme-ng (qemu TCG) and run the VM tier in it.
	@hack/install-deps >/dev/null
	$(SWIFT) build --build-tests
	hack/run-vm-tests "$(VM_KERNEL)"

##@ Benchmarks

.PHONY: bench
bench: bpf ## Median load+attach and unload latency per program type, beside bpftool; kubesim, client cache and work-queue figures.
	$(SWIFT) build -c release --product bpfman-bench
	$(SWIFT) build -c release --product bpfman
	$(SWIFT) build -c release --product bpfman-rpc
	$(SWIFT) build -c release --product kube-bench
	.build/release/bpfman-bench
	$(MAKE) --no-print-directory bench-vm
	.build/release/kube-bench
	$(SWIFT) build -c release --product bpfman-agent
	$(SWIFT) build -c release --product kubesim
	hack/agent-bench
	$(SWIFT) build -c release --product bpfman-operator
	hack/operator-bench

.PHONY: bench-vm
bench-vm: bpf ## Dispatcher figures with programs linked in: bpfman-bench inside the VM kernel (emulated: relative figures only).
	@hack/install-deps >/dev/null
	$(SWIFT) build -c release --product bpfman-bench
	timeout 600 vng --run "$(VM_KERNEL)" --disable-kvm --user root --cpus 2 --memory 2G \
	  --exec "cd '$(CURDIR)' && .build/release/bpfman-bench dispatcher" 2>&1 | grep -v '^\[' || true
