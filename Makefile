# bpfman-swift — `make help` lists the targets.

SHELL := /bin/bash
SWIFT ?= swift
# Every release build uses these (hack/release-flags says why).
RELEASE_FLAGS := $(shell hack/release-flags)
BPF_CLANG ?= clang
ARCH := $(shell uname -m)
BPF_ARCH := $(if $(filter aarch64,$(ARCH)),arm64,x86)
BPF_CFLAGS := -target bpf -g -O2 -Wall -D__TARGET_ARCH_$(BPF_ARCH) -I/usr/include/$(ARCH)-linux-gnu
BPF_OUT := .build/bpf
BPF_SRCS := $(wildcard bpf/examples/*.bpf.c) $(wildcard bpf/samples/*.bpf.c) $(wildcard bpf/testdata/*.bpf.c) $(wildcard bpf/dispatchers/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BPF_OUT)/%.bpf.o,$(BPF_SRCS))
TEST_BINS := $(BPF_OUT)/testdata/uprobe_target $(BPF_OUT)/testdata/uprobe_target_static
# The guest kernel for the VM tier (DESIGN.md §4): Debian's linux-image-amd64.
VM_KERNEL ?= $(lastword $(sort $(wildcard /boot/vmlinuz-*)))
SWIFT_TEST_FLAGS ?= --no-parallel
# Extra flags for release builds.
SWIFT_BUILD_FLAGS ?=
# The images' binaries are an ordinary build linked again by hack/link-static
# with the Swift runtime and Foundation static: Foundation's static libraries
# go in one link group, since their autolink order leaves symbols of some
# binaries (bpfman-rpc, bpfman-operator) unresolved.
STATIC_FOUNDATION_GROUP := -Xlinker --start-group $(foreach l,Foundation FoundationInternationalization \
  FoundationEssentials _FoundationCollections CoreFoundation _FoundationICU _FoundationCShims,-Xlinker -l$(l)) -Xlinker --end-group
export STATIC_FOUNDATION_GROUP
# `make release PRODUCT=bpfman-agent` builds one product; empty builds all.
PRODUCT ?=

# Versions and images, as upstream names them (operator.md §6).
VERSION ?= 0.5.6
IMAGE_TAG_BASE ?= quay.io/bpfman/bpfman-operator
BUNDLE_IMG ?= $(IMAGE_TAG_BASE)-bundle:v$(VERSION)
CATALOG_IMG ?= $(IMAGE_TAG_BASE)-catalog:v$(VERSION)
IMAGE_TAG ?= latest
BPFMAN_IMG ?= quay.io/bpfman/bpfman:$(IMAGE_TAG)
BPFMAN_AGENT_IMG ?= quay.io/bpfman/bpfman-agent:$(IMAGE_TAG)
BPFMAN_OPERATOR_IMG ?= quay.io/bpfman/bpfman-operator:$(IMAGE_TAG)
export BPFMAN_AGENT_IMG BPFMAN_OPERATOR_IMG BPFMAN_IMG VERSION SWIFT
KIND_CLUSTER_NAME ?= bpfman-deployment
CHANNELS ?= alpha
DEFAULT_CHANNEL ?=
BUNDLE_IMGS ?= $(BUNDLE_IMG)
CATALOG_BASE_IMG ?=
ignore-not-found ?= true
# docker if present, else podman, else buildah (empty when none is installed).
OCI_BIN ?= $(shell basename "$$(command -v docker || command -v podman || command -v buildah)" 2>/dev/null)
export OCI_BIN
KUBECTL ?= kubectl
MANIFESTS_TOOL = $$($(SWIFT) build --show-bin-path)/bpfman-manifests

# $(call require,TOOL,WHAT): stop with a message naming the missing tool.
require = @command -v $(1) >/dev/null 2>&1 || { echo "make $@: needs $(if $(1),$(1),$(2)), which is not installed on this machine$(if $(3), ($(3)))" >&2; exit 1; }
require_oci = @test -n "$(OCI_BIN)" || { echo "make $@: needs docker or podman (OCI_BIN), neither is installed on this machine" >&2; exit 1; }

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-24s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Local Dependencies

.PHONY: kustomize
kustomize: ## Check kustomize is at hand (kubectl's built-in `kubectl kustomize`; nothing is downloaded).
	$(call require,$(KUBECTL),,kubectl carries kustomize)
	@$(KUBECTL) version --client 2>/dev/null | grep -i kustomize || echo "kustomize: built into $$(command -v $(KUBECTL))"

.PHONY: controller-gen
controller-gen: ## Build bpfman-manifests, this project's controller-gen (CRDs and RBAC from the Swift types).
	$(SWIFT) build --product bpfman-manifests

.PHONY: register-gen informer-gen lister-gen client-gen
register-gen: ## Swift needs no register-gen: the kinds register in BpfmanAPI (AllKinds); builds it.
	$(SWIFT) build --target BpfmanAPI
informer-gen: ## Swift needs no informer-gen: KubeController's Informer<T> is generic; builds it.
	$(SWIFT) build --target KubeController
lister-gen: ## Swift needs no lister-gen: informer caches are indexed stores; builds KubeController.
	$(SWIFT) build --target KubeController
client-gen: ## Swift needs no client-gen: KubeClient's typed resources are generic over BpfmanAPI; builds them.
	$(SWIFT) build --target KubeClient --target BpfmanAPI

.PHONY: envtest
envtest: ## Build kubesim, this project's stand-in for envtest's kube-apiserver.
	$(SWIFT) build --product kubesim

.PHONY: opm
opm: ## Check opm (operator-registry) is on PATH; catalog-build needs it.
	$(call require,opm,,install operator-registry's opm v1.45.0 and put it on PATH)

##@ Development

.PHONY: deps
deps: ## Install system packages and tools this project needs (idempotent).
	@hack/install-deps

.PHONY: bpf
bpf: $(BPF_OBJS) $(TEST_BINS) ## Compile the example and test BPF programs (clang -target bpf).

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c bpf/examples/common.h bpf/samples/sample.h bpf/dispatchers/dispatcher.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OUT)/testdata/uprobe_target: bpf/testdata/uprobe_target.c
	@mkdir -p $(dir $@)
	cc -O0 -g -o $@ $<

# The same, static: it runs in a busybox container of a local node (no libc there).
$(BPF_OUT)/testdata/uprobe_target_static: bpf/testdata/uprobe_target.c
	@mkdir -p $(dir $@)
	cc -O0 -g -static -o $@ $<

.PHONY: build
build: bpf ## Build the binaries (debug).
	$(SWIFT) build

.PHONY: release
release: bpf ## Build the binaries (release; PRODUCT=name for one, SWIFT_BUILD_FLAGS for more flags).
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(SWIFT_BUILD_FLAGS) $(if $(PRODUCT),--product $(PRODUCT))

.PHONY: deps-build
deps-build: ## Install only what building needs (the image builds use it).
	@hack/install-deps --build-only

.PHONY: fmt
fmt: ## Format Swift sources with swift-format (ships with the toolchain).
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

# Each protocol's generated code lives with the side that uses it: bpfman.v1 in
# the protocol target (server and clients), CRI in its own target (agent and kubelet stand-in), CSI with the server.
PROTO_TARGETS := bpfman:BpfmanProto cri/runtime:CRI csi/csi:BpfmanRPC
.PHONY: generate-proto
generate-proto: ## Regenerate the committed Swift code from proto/ (bpfman.v1, CRI, CSI) with Debian's protoc.
	$(MAKE) --no-print-directory gen-proto-into OUT=Sources

.PHONY: gen-proto-into
gen-proto-into:
	@command -v protoc >/dev/null || hack/install-deps
	$(SWIFT) build --product protoc-gen-swift
	$(SWIFT) build --product protoc-gen-grpc-swift-2
	@set -e; for pair in $(PROTO_TARGETS); do \
	  proto=$${pair%%:*}; dir=$(OUT)/$${pair##*:}/Generated; mkdir -p $$dir; \
	  protoc -I proto \
	    --plugin=protoc-gen-swift=$$($(SWIFT) build --show-bin-path)/protoc-gen-swift \
	    --plugin=protoc-gen-grpc-swift=$$($(SWIFT) build --show-bin-path)/protoc-gen-grpc-swift-2 \
	    --swift_out=Visibility=Public:$$dir --grpc-swift_out=Visibility=Public:$$dir proto/$$proto.proto; \
	done

.PHONY: manifests
manifests: ## Write config/crd and config/rbac from the Swift API types (Sources/BpfmanAPI).
	$(SWIFT) build --product bpfman-manifests
	$$($(SWIFT) build --show-bin-path)/bpfman-manifests config

.PHONY: verify
verify: verify-manifests verify-proto verify-bundle ## Fail when committed generated files differ from what their sources generate.

.PHONY: verify-manifests
verify-manifests:
	@$(SWIFT) build --product bpfman-manifests >/dev/null
	@tmp=$$(mktemp -d) && $$($(SWIFT) build --show-bin-path)/bpfman-manifests $$tmp >/dev/null && \
	  diff -ru $$tmp/crd config/crd && diff -ru $$tmp/rbac config/rbac && rm -rf $$tmp && \
	  echo "verify: config/crd and config/rbac match the Swift types"

.PHONY: verify-proto
verify-proto:
	@tmp=$$(mktemp -d) && $(MAKE) --no-print-directory gen-proto-into OUT=$$tmp >/dev/null && \
	  for pair in $(PROTO_TARGETS); do diff -ru $$tmp/$${pair##*:}/Generated Sources/$${pair##*:}/Generated || exit 1; done && \
	  rm -rf $$tmp && echo "verify: generated protobuf code is current"

.PHONY: clean
clean: ## Remove build output.
	rm -rf .build

KUBESIM_LISTEN ?= 127.0.0.1:6443
.PHONY: kubesim
kubesim: ## Run kubesim in the foreground; kubeconfig at .build/kubesim/kubeconfig, state in .build/kubesim/data.
	$(SWIFT) build --product kubesim
	.build/debug/kubesim --listen $(KUBESIM_LISTEN) --kubeconfig .build/kubesim/kubeconfig --data-dir .build/kubesim/data

.PHONY: generate
generate: manifests generate-register generate-deepcopy generate-typed-clients generate-typed-listers generate-typed-informers ## Everything generated: manifests, and what Go would generate (Swift: builds the generic types instead).

.PHONY: generate-register generate-deepcopy generate-typed-clients generate-typed-listers generate-typed-informers
generate-register: register-gen ## Go's zz_generated.register.go: in Swift the kinds are listed in BpfmanAPI.AllKinds.
generate-deepcopy: ## Go's DeepCopy: Swift's value types copy themselves; builds BpfmanAPI.
	$(SWIFT) build --target BpfmanAPI
generate-typed-clients: client-gen ## Go's clientset: KubeClient's Resource<T> for every BpfmanAPI kind.
generate-typed-listers: lister-gen ## Go's listers: the informer cache's indexes.
generate-typed-informers: informer-gen ## Go's informers: KubeController.Informer<T>.

.PHONY: vendors
vendors: ## Resolve the Swift package dependencies (Package.resolved stays out of git).
	$(SWIFT) package resolve

.PHONY: lint
lint: ## swift-format lint over Sources and Tests.
	$(SWIFT) format lint --recursive Sources Tests Package.swift

.PHONY: test-integration
test-integration: bpf ## The cluster tier: kubesim + bpfman-rpc + agent + operator as processes, kubectl as the client.
	@rm -f $(AUTHZ_LOG)
	KUBESIM_AUTHZ_LOG=$(AUTHZ_LOG) $(SWIFT) test $(SWIFT_TEST_FLAGS) --filter 'AgentClusterTests|OperatorClusterTests|OutageTests|DeploymentTests'
	hack/rbac-coverage $(AUTHZ_LOG)

# Every authorization kubesim made for the agent and operator during a test
# run; hack/rbac-coverage checks the generated RBAC against it.
AUTHZ_LOG = $(CURDIR)/.build/kubesim-authorizations.log

BUNDLE_ENV = VERSION=$(VERSION) BPFMAN_OPERATOR_IMG=$(BPFMAN_OPERATOR_IMG) BPFMAN_IMG=$(BPFMAN_IMG) \
  BPFMAN_AGENT_IMG=$(BPFMAN_AGENT_IMG) CHANNELS=$(CHANNELS) DEFAULT_CHANNEL=$(DEFAULT_CHANNEL)

.PHONY: bundle
bundle: controller-gen ## Generate bundle/ and bundle.Dockerfile (OLM registry+v1) from config/manifests, without operator-sdk.
	$(BUNDLE_ENV) hack/generate-bundle $(MANIFESTS_TOOL) .

.PHONY: verify-bundle
verify-bundle:
	@$(SWIFT) build --product bpfman-manifests >/dev/null
	@tmp=$$(mktemp -d) && $(BUNDLE_ENV) hack/generate-bundle $(MANIFESTS_TOOL) $$tmp >/dev/null && \
	  diff -ru $$tmp/bundle bundle && diff -u $$tmp/bundle.Dockerfile bundle.Dockerfile && rm -rf $$tmp && \
	  echo "verify: bundle/ matches config/ (make bundle)"

.PHONY: build-release-yamls
build-release-yamls: generate kustomize ## Write release-v$(VERSION)/bpfman-crds-install.yaml and bpfman-operator-install.yaml.
	VERSION=$(VERSION) hack/build-release-yamls

##@ Build

.PHONY: build-images
build-images: ## Build the operator, agent and bpfman images (make build/release's binaries when built; IMAGES_DIR=DIR also writes OCI archives).
	$(require_oci)
	@hack/build-images build

.PHONY: build-operator-image build-agent-image build-bpfman-image
build-operator-image: ## Build $(BPFMAN_OPERATOR_IMG) from Dockerfile.operator.
	$(require_oci)
	@hack/build-images build operator
build-agent-image: ## Build $(BPFMAN_AGENT_IMG) from Dockerfile.agent.
	$(require_oci)
	@hack/build-images build agent
build-bpfman-image: ## Build $(BPFMAN_IMG) (bpfman-rpc and the bpfman CLI) from Dockerfile.bpfman.
	$(require_oci)
	@hack/build-images build bpfman

.PHONY: image-stage
image-stage: ## Put PRODUCTS in /out (a Dockerfile's build stage), staged from dist/prebuilt or built static.
	@hack/image-stage $(PRODUCTS)

.PHONY: push-images
push-images: ## Push the operator, agent and bpfman images.
	$(require_oci)
	@hack/build-images push

.PHONY: load-images-kind
load-images-kind: ## Load the three images into the kind cluster $(KIND_CLUSTER_NAME).
	$(require_oci)
	$(call require,kind)
	hack/kind-load-image $(KIND_CLUSTER_NAME) $(BPFMAN_OPERATOR_IMG) $(BPFMAN_AGENT_IMG) $(BPFMAN_IMG)

.PHONY: bundle-build bundle-push
bundle-build: ## Build the bundle image $(BUNDLE_IMG) from bundle.Dockerfile.
	$(require_oci)
	$(OCI_BIN) build -f bundle.Dockerfile -t $(BUNDLE_IMG) .
bundle-push: ## Push the bundle image.
	$(require_oci)
	$(OCI_BIN) push $(BUNDLE_IMG)

.PHONY: catalog-build catalog-push
catalog-build: opm ## Build a catalog image holding $(BUNDLE_IMGS) (opm index add).
	$(require_oci)
	opm index add --container-tool $(OCI_BIN) --mode semver --tag $(CATALOG_IMG) --bundles $(BUNDLE_IMGS) $(if $(CATALOG_BASE_IMG),--from-index $(CATALOG_BASE_IMG))
catalog-push: ## Push the catalog image.
	$(require_oci)
	$(OCI_BIN) push $(CATALOG_IMG)

##@ CRD Deployment

.PHONY: install uninstall
install: manifests kustomize ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUBECTL) apply -k config/crd
uninstall: kustomize ## Remove the CRDs (ignore-not-found=$(ignore-not-found)).
	$(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -k config/crd

##@ Vanilla K8s Deployment

.PHONY: setup-kind destroy-kind
setup-kind: ## Create the kind cluster $(KIND_CLUSTER_NAME) (hack/kind-config.yaml), replacing one of that name.
	$(call require,kind)
	kind delete cluster --name $(KIND_CLUSTER_NAME)
	kind create cluster --config hack/kind-config.yaml --name $(KIND_CLUSTER_NAME)
destroy-kind: ## Delete the kind cluster.
	$(call require,kind)
	kind delete cluster --name $(KIND_CLUSTER_NAME)

.PHONY: deploy undeploy
deploy: manifests kustomize ## Deploy to the cluster of the current kubeconfig (config/default with BPFMAN_*_IMG).
	hack/kustomize-render default $(BPFMAN_OPERATOR_IMG) $(BPFMAN_IMG) $(BPFMAN_AGENT_IMG) | $(KUBECTL) apply -f -
undeploy: kustomize ## Remove bpfman-config first (the operator tears down the DaemonSet), then the rest.
	-$(KUBECTL) delete --ignore-not-found=$(ignore-not-found) cm bpfman-config -n bpfman --wait=true --timeout=60s
	hack/kustomize-render default $(BPFMAN_OPERATOR_IMG) | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: kind-reload-images
kind-reload-images: load-images-kind ## Reload the images into kind and restart the daemon and the operator.
	$(KUBECTL) rollout restart daemonset bpfman-daemon -n bpfman
	$(KUBECTL) rollout restart deployment bpfman-operator -n bpfman

.PHONY: run-on-kind
run-on-kind: kustomize setup-kind build-images load-images-kind deploy ## A kind cluster with images built here and bpfman deployed.

##@ Openshift Deployment

.PHONY: deploy-openshift undeploy-openshift
deploy-openshift: manifests kustomize ## Deploy config/openshift to the cluster of the current kubeconfig.
	hack/kustomize-render openshift $(BPFMAN_OPERATOR_IMG) $(BPFMAN_IMG) $(BPFMAN_AGENT_IMG) | $(KUBECTL) apply -f -
undeploy-openshift: kustomize ## Remove bpfman-config first, then config/openshift.
	-$(KUBECTL) delete --ignore-not-found=$(ignore-not-found) cm bpfman-config -n bpfman --wait=true --timeout=60s
	hack/kustomize-render openshift $(BPFMAN_OPERATOR_IMG) | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: catalog-deploy catalog-undeploy
catalog-deploy: ## Apply config/catalog's CatalogSource with $(CATALOG_IMG).
	sed 's~<IMAGE>~$(CATALOG_IMG)~' config/catalog/catalog.yaml | $(KUBECTL) apply -f -
catalog-undeploy: ## Remove that CatalogSource.
	$(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f config/catalog/catalog.yaml

##@ Local (the whole system on this machine, against kubesim)

.PHONY: run-local stop-local
run-local: ## Install what is missing, build, start kubesim and NODES local nodes running the operator and node daemon pods from images built here (RUN_LOCAL_MODE=processes: as processes); print what to try.
	@hack/run-local start
stop-local: ## Stop everything run-local started and remove what it made (pods, containerd, namespaces, processes, pins, state).
	@hack/run-local stop

##@ Test

.PHONY: test
test: deps bpf ## Run every test tier: unit, kernel (host, as root) and vm; verify generated files.
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory verify
	@rm -f $(AUTHZ_LOG)
	KUBESIM_AUTHZ_LOG=$(AUTHZ_LOG) $(MAKE) --no-print-directory test-host
	hack/rbac-coverage $(AUTHZ_LOG)
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
bench: bpf ## Median load+attach and unload latency per program type, beside bpftool; the CLI against bpftool; apply -> ReconcileSuccess against its floor; kubesim, client cache and work-queue figures; pod start on a local node.
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product bpfman-bench
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product bpfman
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product bpfman-rpc
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product kube-bench
	REUSE_BUILD=1 hack/link-static release bpfman .build/release/static/bpfman
	BPFMAN_BIN=.build/release/static/bpfman .build/release/bpfman-bench
	$(MAKE) --no-print-directory bench-vm
	.build/release/kube-bench
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product bpfman-agent
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product kubesim
	hack/agent-bench
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product bpfman-operator
	hack/operator-bench
	hack/convergence-bench
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product kubesim-kubelet
	hack/pod-start-bench
	hack/image-sizes

.PHONY: hot-order
hot-order: bpf ## Record the functions the static daemons and the CLI run at start, idle and on their ordinary path (valgrind), for link-static to lay out together (hack/hot-order.d).
	$(SWIFT) build -c release $(RELEASE_FLAGS)
	hack/hot-order

.PHONY: bench-scale
bench-scale: ## The operator's status of M = 1, 10, 100 objects on N = 100, 1,000, 5,000 simulated nodes: writes, message size, RSS, CPU; a PNG (NODES=, PROGRAMS= to choose).
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product kubesim
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product bpfman-operator
	hack/status-scale-bench

.PHONY: bench-vm
bench-vm: bpf ## Dispatcher figures with programs linked in: bpfman-bench inside the VM kernel (emulated: relative figures only).
	@hack/install-deps >/dev/null
	$(SWIFT) build -c release $(RELEASE_FLAGS) --product bpfman-bench
	timeout 600 vng --run "$(VM_KERNEL)" --disable-kvm --user root --cpus 2 --memory 2G \
	  --exec "cd '$(CURDIR)' && .build/release/bpfman-bench dispatcher" 2>&1 | grep -v '^\[' || true
