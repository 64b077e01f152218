/// The protobuf message definitions kubesim reads (and writes) for built-in
/// kinds: `KubeProtoSchema` parses this text at start-up, and the tests hand
/// the same text to `protoc` so an independent encoder produces the bytes.
/// Field numbers are those of k8s.io/api's and openshift/api's generated.proto.
enum KubeProto {
    static let source = #"""
// The message definitions kubesim reads and writes as protobuf: a subset of
// k8s.io/api and k8s.io/apimachinery's generated.proto, with the same field
// numbers, in one namespace (names that collide across groups get a prefix).
// Trailing markers say what the wire cannot: `+ptr` a Go pointer field (its
// zero value is still a value), `+always` a field JSON writes without
// omitempty, `+inline` an embedded struct whose fields JSON flattens.
// Time, MicroTime, Quantity, IntOrString, FieldsV1 and RawExtension have
// JSON forms of their own (RFC 3339 strings, strings, int-or-string, raw JSON).
syntax = "proto2";

// --- apimachinery

message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message MicroTime { optional int64 seconds = 1; optional int32 nanos = 2; }
message Quantity { optional string string = 1; }
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
message FieldsV1 { optional bytes Raw = 1; }
message RawExtension { optional bytes raw = 1; }

message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}

message OwnerReference {
  optional string kind = 1; // +always
  optional string name = 3; // +always
  optional string uid = 4; // +always
  optional string apiVersion = 5; // +always
  optional bool controller = 6; // +ptr
  optional bool blockOwnerDeletion = 7; // +ptr
}

message ManagedFieldsEntry {
  optional string manager = 1;
  optional string operation = 2;
  optional string apiVersion = 3;
  optional Time time = 4; // +ptr
  optional string fieldsType = 6;
  optional FieldsV1 fieldsV1 = 7; // +ptr
  optional string subresource = 8;
}

message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9; // +ptr
  optional int64 deletionGracePeriodSeconds = 10; // +ptr
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}

message Preconditions {
  optional string uid = 1; // +ptr
  optional string resourceVersion = 2; // +ptr
}
message DeleteOptions {
  optional int64 gracePeriodSeconds = 1; // +ptr
  optional Preconditions preconditions = 2; // +ptr
  optional bool orphanDependents = 3; // +ptr
  optional string propagationPolicy = 4; // +ptr
  repeated string dryRun = 5;
}

message ListMeta {
  optional string selfLink = 1;
  optional string resourceVersion = 2;
  optional string continue = 3;
  optional int64 remainingItemCount = 4; // +ptr
}

message LabelSelectorRequirement {
  optional string key = 1; // +always
  optional string operator = 2; // +always
  repeated string values = 3;
}

message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}

message Condition {
  optional string type = 1; // +always
  optional string status = 2; // +always
  optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4; // +always
  optional string reason = 5; // +always
  optional string message = 6; // +always
}

// --- core/v1: objects

message Namespace { optional ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; optional NamespaceStatus status = 3; }
message NamespaceSpec { repeated string finalizers = 1; }
message NamespaceCondition {
  optional string type = 1; // +always
  optional string status = 2; // +always
  optional Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}
message NamespaceStatus { optional string phase = 1; repeated NamespaceCondition conditions = 2; }

message ConfigMap {
  optional ObjectMeta metadata = 1;
  map<string, string> data = 2;
  map<string, bytes> binaryData = 3;
  optional bool immutable = 4; // +ptr
}

message Secret {
  optional ObjectMeta metadata = 1;
  map<string, bytes> data = 2;
  optional string type = 3;
  map<string, string> stringData = 4;
  optional bool immutable = 5; // +ptr
}

message ObjectReference {
  optional string kind = 1;
  optional string namespace = 2;
  optional string name = 3;
  optional string uid = 4;
  optional string apiVersion = 5;
  optional string resourceVersion = 6;
  optional string fieldPath = 7;
}

message LocalObjectReference { optional string name = 1; }

message ServiceAccount {
  optional ObjectMeta metadata = 1;
  repeated ObjectReference secrets = 2;
  repeated LocalObjectReference imagePullSecrets = 3;
  optional bool automountServiceAccountToken = 4; // +ptr
}

message EventSource { optional string component = 1; optional string host = 2; }
message EventSeries { optional int32 count = 1; optional MicroTime lastObservedTime = 2; }

message Event {
  optional ObjectMeta metadata = 1;
  optional ObjectReference involvedObject = 2; // +always
  optional string reason = 3;
  optional string message = 4;
  optional EventSource source = 5;
  optional Time firstTimestamp = 6;
  optional Time lastTimestamp = 7;
  optional int32 count = 8;
  optional string type = 9;
  optional MicroTime eventTime = 10;
  optional EventSeries series = 11; // +ptr
  optional string action = 12;
  optional ObjectReference related = 13; // +ptr
  optional string reportingComponent = 14; // +always
  optional string reportingInstance = 15; // +always
}

message Taint {
  optional string key = 1; // +always
  optional string value = 2;
  optional string effect = 3; // +always
  optional Time timeAdded = 4; // +ptr
}

message NodeConfigSource { optional ConfigMapNodeConfigSource configMap = 2; }
message ConfigMapNodeConfigSource {
  optional string namespace = 1; // +always
  optional string name = 2; // +always
  optional string uid = 3;
  optional string resourceVersion = 4;
  optional string kubeletConfigKey = 5; // +always
}

message NodeSpec {
  optional string podCIDR = 1;
  optional string externalID = 2;
  optional string providerID = 3;
  optional bool unschedulable = 4;
  repeated Taint taints = 5;
  optional NodeConfigSource configSource = 6; // +ptr
  repeated string podCIDRs = 7;
}

message NodeCondition {
  optional string type = 1; // +always
  optional string status = 2; // +always
  optional Time lastHeartbeatTime = 3;
  optional Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message NodeAddress {
  optional string type = 1; // +always
  optional string address = 2; // +always
}

message DaemonEndpoint { optional int32 Port = 1; } // +always
message NodeDaemonEndpoints { optional DaemonEndpoint kubeletEndpoint = 1; }

message NodeSystemInfo {
  optional string machineID = 1; // +always
  optional string systemUUID = 2; // +always
  optional string bootID = 3; // +always
  optional string kernelVersion = 4; // +always
  optional string osImage = 5; // +always
  optional string containerRuntimeVersion = 6; // +always
  optional string kubeletVersion = 7; // +always
  optional string kubeProxyVersion = 8; // +always
  optional string operatingSystem = 9; // +always
  optional string architecture = 10; // +always
}

message ContainerImage { repeated string names = 1; optional int64 sizeBytes = 2; }
message AttachedVolume {
  optional string name = 1; // +always
  optional string devicePath = 2; // +always
}

message NodeStatus {
  map<string, Quantity> capacity = 1;
  map<string, Quantity> allocatable = 2;
  optional string phase = 3;
  repeated NodeCondition conditions = 4;
  repeated NodeAddress addresses = 5;
  optional NodeDaemonEndpoints daemonEndpoints = 6;
  optional NodeSystemInfo nodeInfo = 7;
  repeated ContainerImage images = 8;
  repeated string volumesInUse = 9;
  repeated AttachedVolume volumesAttached = 10;
}

message Node { optional ObjectMeta metadata = 1; optional NodeSpec spec = 2; optional NodeStatus status = 3; }

message ServicePort {
  optional string name = 1;
  optional string protocol = 2;
  optional int32 port = 3; // +always
  optional IntOrString targetPort = 4;
  optional int32 nodePort = 5;
  optional string appProtocol = 6; // +ptr
}

message ClientIPConfig { optional int32 timeoutSeconds = 1; } // +ptr
message SessionAffinityConfig { optional ClientIPConfig clientIP = 1; } // +ptr

message ServiceSpec {
  repeated ServicePort ports = 1;
  map<string, string> selector = 2;
  optional string clusterIP = 3;
  optional string type = 4;
  repeated string externalIPs = 5;
  optional string sessionAffinity = 7;
  optional string loadBalancerIP = 8;
  repeated string loadBalancerSourceRanges = 9;
  optional string externalName = 10;
  optional string externalTrafficPolicy = 11;
  optional int32 healthCheckNodePort = 12;
  optional bool publishNotReadyAddresses = 13;
  optional SessionAffinityConfig sessionAffinityConfig = 14; // +ptr
  optional string ipFamilyPolicy = 17; // +ptr
  repeated string clusterIPs = 18;
  repeated string ipFamilies = 19;
  optional bool allocateLoadBalancerNodePorts = 20; // +ptr
  optional string loadBalancerClass = 21; // +ptr
  optional string internalTrafficPolicy = 22; // +ptr
}

message PortStatus {
  optional int32 port = 1; // +always
  optional string protocol = 2; // +always
  optional string error = 3; // +ptr
}
message LoadBalancerIngress { optional string ip = 1; optional string hostname = 2; repeated PortStatus ports = 4; }
message LoadBalancerStatus { repeated LoadBalancerIngress ingress = 1; }
message ServiceStatus { optional LoadBalancerStatus loadBalancer = 1; repeated Condition conditions = 2; }

message Service { optional ObjectMeta metadata = 1; optional ServiceSpec spec = 2; optional ServiceStatus status = 3; }

// --- core/v1: pods

message KeyToPath {
  optional string key = 1; // +always
  optional string path = 2; // +always
  optional int32 mode = 3; // +ptr
}

message HostPathVolumeSource {
  optional string path = 1; // +always
  optional string type = 2; // +ptr
}
message EmptyDirVolumeSource { optional string medium = 1; optional Quantity sizeLimit = 2; } // +ptr
message SecretVolumeSource {
  optional string secretName = 1;
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3; // +ptr
  optional bool optional = 4; // +ptr
}
message ConfigMapVolumeSource {
  optional LocalObjectReference localObjectReference = 1; // +inline
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3; // +ptr
  optional bool optional = 4; // +ptr
}
message CSIVolumeSource {
  optional string driver = 1; // +always
  optional bool readOnly = 2; // +ptr
  optional string fsType = 3; // +ptr
  map<string, string> volumeAttributes = 4;
  optional LocalObjectReference nodePublishSecretRef = 5; // +ptr
}
message PersistentVolumeClaimVolumeSource {
  optional string claimName = 1; // +always
  optional bool readOnly = 2;
}
message ObjectFieldSelector {
  optional string apiVersion = 1;
  optional string fieldPath = 2; // +always
}
message ResourceFieldSelector {
  optional string containerName = 1;
  optional string resource = 2; // +always
  optional Quantity divisor = 3;
}
message DownwardAPIVolumeFile {
  optional string path = 1; // +always
  optional ObjectFieldSelector fieldRef = 2; // +ptr
  optional ResourceFieldSelector resourceFieldRef = 3; // +ptr
  optional int32 mode = 4; // +ptr
}
message DownwardAPIVolumeSource {
  repeated DownwardAPIVolumeFile items = 1;
  optional int32 defaultMode = 2; // +ptr
}
message DownwardAPIProjection { repeated DownwardAPIVolumeFile items = 1; }
message SecretProjection {
  optional LocalObjectReference localObjectReference = 1; // +inline
  repeated KeyToPath items = 2;
  optional bool optional = 4; // +ptr
}
message ConfigMapProjection {
  optional LocalObjectReference localObjectReference = 1; // +inline
  repeated KeyToPath items = 2;
  optional bool optional = 4; // +ptr
}
message ServiceAccountTokenProjection {
  optional string audience = 1;
  optional int64 expirationSeconds = 2; // +ptr
  optional string path = 3; // +always
}
message VolumeProjection {
  optional SecretProjection secret = 1; // +ptr
  optional DownwardAPIProjection downwardAPI = 2; // +ptr
  optional ConfigMapProjection configMap = 3; // +ptr
  optional ServiceAccountTokenProjection serviceAccountToken = 4; // +ptr
}
message ProjectedVolumeSource {
  repeated VolumeProjection sources = 1;
  optional int32 defaultMode = 2; // +ptr
}

message VolumeSource {
  optional HostPathVolumeSource hostPath = 1;
  optional EmptyDirVolumeSource emptyDir = 2;
  optional SecretVolumeSource secret = 6;
  optional PersistentVolumeClaimVolumeSource persistentVolumeClaim = 10;
  optional DownwardAPIVolumeSource downwardAPI = 16;
  optional ConfigMapVolumeSource configMap = 19;
  optional ProjectedVolumeSource projected = 26;
  optional CSIVolumeSource csi = 28;
}

message Volume {
  optional string name = 1; // +always
  optional VolumeSource volumeSource = 2; // +inline
}

message ContainerPort {
  optional string name = 1;
  optional int32 hostPort = 2;
  optional int32 containerPort = 3; // +always
  optional string protocol = 4;
  optional string hostIP = 5;
}

message ConfigMapEnvSource {
  optional LocalObjectReference localObjectReference = 1; // +inline
  optional bool optional = 2; // +ptr
}
message SecretEnvSource {
  optional LocalObjectReference localObjectReference = 1; // +inline
  optional bool optional = 2; // +ptr
}
message EnvFromSource {
  optional string prefix = 1;
  optional ConfigMapEnvSource configMapRef = 2; // +ptr
  optional SecretEnvSource secretRef = 3; // +ptr
}
message ConfigMapKeySelector {
  optional LocalObjectReference localObjectReference = 1; // +inline
  optional string key = 2; // +always
  optional bool optional = 3; // +ptr
}
message SecretKeySelector {
  optional LocalObjectReference localObjectReference = 1; // +inline
  optional string key = 2; // +always
  optional bool optional = 3; // +ptr
}
message EnvVarSource {
  optional ObjectFieldSelector fieldRef = 1; // +ptr
  optional ResourceFieldSelector resourceFieldRef = 2; // +ptr
  optional ConfigMapKeySelector configMapKeyRef = 3; // +ptr
  optional SecretKeySelector secretKeyRef = 4; // +ptr
}
message EnvVar {
  optional string name = 1; // +always
  optional string value = 2;
  optional EnvVarSource valueFrom = 3; // +ptr
}

message ResourceRequirements {
  map<string, Quantity> limits = 1;
  map<string, Quantity> requests = 2;
}

message VolumeMount {
  optional string name = 1; // +always
  optional bool readOnly = 2;
  optional string mountPath = 3; // +always
  optional string subPath = 4;
  optional string mountPropagation = 5; // +ptr
  optional string subPathExpr = 6;
}
message VolumeDevice {
  optional string name = 1; // +always
  optional string devicePath = 2; // +always
}

message ExecAction { repeated string command = 1; }
message HTTPHeader {
  optional string name = 1; // +always
  optional string value = 2; // +always
}
message HTTPGetAction {
  optional string path = 1;
  optional IntOrString port = 2; // +always
  optional string host = 3;
  optional string scheme = 4;
  repeated HTTPHeader httpHeaders = 5;
}
message TCPSocketAction {
  optional IntOrString port = 1; // +always
  optional string host = 2;
}
message GRPCAction {
  optional int32 port = 1; // +always
  optional string service = 2; // +ptr
}
message ProbeHandler {
  optional ExecAction exec = 1; // +ptr
  optional HTTPGetAction httpGet = 2; // +ptr
  optional TCPSocketAction tcpSocket = 3; // +ptr
  optional GRPCAction grpc = 4; // +ptr
}
message Probe {
  optional ProbeHandler handler = 1; // +inline
  optional int32 initialDelaySeconds = 2;
  optional int32 timeoutSeconds = 3;
  optional int32 periodSeconds = 4;
  optional int32 successThreshold = 5;
  optional int32 failureThreshold = 6;
  optional int64 terminationGracePeriodSeconds = 7; // +ptr
}
message LifecycleHandler {
  optional ExecAction exec = 1; // +ptr
  optional HTTPGetAction httpGet = 2; // +ptr
  optional TCPSocketAction tcpSocket = 3; // +ptr
}
message Lifecycle {
  optional LifecycleHandler postStart = 1; // +ptr
  optional LifecycleHandler preStop = 2; // +ptr
}

message Capabilities { repeated string add = 1; repeated string drop = 2; }
message SELinuxOptions { optional string user = 1; optional string role = 2; optional string type = 3; optional string level = 4; }
message SeccompProfile {
  optional string type = 1; // +always
  optional string localhostProfile = 2; // +ptr
}
message WindowsSecurityContextOptions {
  optional string gmsaCredentialSpecName = 1; // +ptr
  optional string gmsaCredentialSpec = 2; // +ptr
  optional string runAsUserName = 3; // +ptr
  optional bool hostProcess = 4; // +ptr
}
message SecurityContext {
  optional Capabilities capabilities = 1; // +ptr
  optional bool privileged = 2; // +ptr
  optional SELinuxOptions seLinuxOptions = 3; // +ptr
  optional int64 runAsUser = 4; // +ptr
  optional bool runAsNonRoot = 5; // +ptr
  optional bool readOnlyRootFilesystem = 6; // +ptr
  optional bool allowPrivilegeEscalation = 7; // +ptr
  optional int64 runAsGroup = 8; // +ptr
  optional string procMount = 9; // +ptr
  optional WindowsSecurityContextOptions windowsOptions = 10; // +ptr
  optional SeccompProfile seccompProfile = 11; // +ptr
}

message ContainerResizePolicy {
  optional string resourceName = 1; // +always
  optional string restartPolicy = 2; // +always
}

message Container {
  optional string name = 1; // +always
  optional string image = 2;
  repeated string command = 3;
  repeated string args = 4;
  optional string workingDir = 5;
  repeated ContainerPort ports = 6;
  repeated EnvVar env = 7;
  optional ResourceRequirements resources = 8;
  repeated VolumeMount volumeMounts = 9;
  optional Probe livenessProbe = 10; // +ptr
  optional Probe readinessProbe = 11; // +ptr
  optional Lifecycle lifecycle = 12; // +ptr
  optional string terminationMessagePath = 13;
  optional string imagePullPolicy = 14;
  optional SecurityContext securityContext = 15; // +ptr
  optional bool stdin = 16;
  optional bool stdinOnce = 17;
  optional bool tty = 18;
  repeated EnvFromSource envFrom = 19;
  optional string terminationMessagePolicy = 20;
  repeated VolumeDevice volumeDevices = 21;
  optional Probe startupProbe = 22; // +ptr
  repeated ContainerResizePolicy resizePolicy = 23;
  optional string restartPolicy = 24; // +ptr
}

message Sysctl {
  optional string name = 1; // +always
  optional string value = 2; // +always
}
message PodSecurityContext {
  optional SELinuxOptions seLinuxOptions = 1; // +ptr
  optional int64 runAsUser = 2; // +ptr
  optional bool runAsNonRoot = 3; // +ptr
  repeated int64 supplementalGroups = 4;
  optional int64 fsGroup = 5; // +ptr
  optional int64 runAsGroup = 6; // +ptr
  repeated Sysctl sysctls = 7;
  optional WindowsSecurityContextOptions windowsOptions = 8; // +ptr
  optional string fsGroupChangePolicy = 9; // +ptr
  optional SeccompProfile seccompProfile = 10; // +ptr
}

message Toleration {
  optional string key = 1;
  optional string operator = 2;
  optional string value = 3;
  optional string effect = 4;
  optional int64 tolerationSeconds = 5; // +ptr
}

message NodeSelectorRequirement {
  optional string key = 1; // +always
  optional string operator = 2; // +always
  repeated string values = 3;
}
message NodeSelectorTerm {
  repeated NodeSelectorRequirement matchExpressions = 1;
  repeated NodeSelectorRequirement matchFields = 2;
}
message NodeSelector { repeated NodeSelectorTerm nodeSelectorTerms = 1; } // +always
message PreferredSchedulingTerm {
  optional int32 weight = 1; // +always
  optional NodeSelectorTerm preference = 2; // +always
}
message NodeAffinity {
  optional NodeSelector requiredDuringSchedulingIgnoredDuringExecution = 1; // +ptr
  repeated PreferredSchedulingTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}
message PodAffinityTerm {
  optional LabelSelector labelSelector = 1; // +ptr
  repeated string namespaces = 2;
  optional string topologyKey = 3; // +always
  optional LabelSelector namespaceSelector = 4; // +ptr
}
message WeightedPodAffinityTerm {
  optional int32 weight = 1; // +always
  optional PodAffinityTerm podAffinityTerm = 2; // +always
}
message PodAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}
message PodAntiAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}
message Affinity {
  optional NodeAffinity nodeAffinity = 1; // +ptr
  optional PodAffinity podAffinity = 2; // +ptr
  optional PodAntiAffinity podAntiAffinity = 3; // +ptr
}

message HostAlias { optional string ip = 1; repeated string hostnames = 2; }
message PodDNSConfigOption { optional string name = 1; optional string value = 2; } // +ptr
message PodDNSConfig { repeated string nameservers = 1; repeated string searches = 2; repeated PodDNSConfigOption options = 3; }
message PodReadinessGate { optional string conditionType = 1; } // +always
message TopologySpreadConstraint {
  optional int32 maxSkew = 1; // +always
  optional string topologyKey = 2; // +always
  optional string whenUnsatisfiable = 3; // +always
  optional LabelSelector labelSelector = 4; // +ptr
}
message PodOS { optional string name = 1; } // +always
message PodSchedulingGate { optional string name = 1; } // +always

message PodSpec {
  repeated Volume volumes = 1;
  repeated Container containers = 2; // +always
  optional string restartPolicy = 3;
  optional int64 terminationGracePeriodSeconds = 4; // +ptr
  optional int64 activeDeadlineSeconds = 5; // +ptr
  optional string dnsPolicy = 6;
  map<string, string> nodeSelector = 7;
  optional string serviceAccountName = 8;
  optional string serviceAccount = 9;
  optional string nodeName = 10;
  optional bool hostNetwork = 11;
  optional bool hostPID = 12;
  optional bool hostIPC = 13;
  optional PodSecurityContext securityContext = 14; // +ptr
  repeated LocalObjectReference imagePullSecrets = 15;
  optional string hostname = 16;
  optional string subdomain = 17;
  optional Affinity affinity = 18; // +ptr
  optional string schedulerName = 19;
  repeated Container initContainers = 20;
  optional bool automountServiceAccountToken = 21; // +ptr
  repeated Toleration tolerations = 22;
  repeated HostAlias hostAliases = 23;
  optional string priorityClassName = 24;
  optional int32 priority = 25; // +ptr
  optional PodDNSConfig dnsConfig = 26; // +ptr
  optional bool shareProcessNamespace = 27; // +ptr
  repeated PodReadinessGate readinessGates = 28;
  optional string runtimeClassName = 29; // +ptr
  optional bool enableServiceLinks = 30; // +ptr
  optional string preemptionPolicy = 31; // +ptr
  map<string, Quantity> overhead = 32;
  repeated TopologySpreadConstraint topologySpreadConstraints = 33;
  optional bool setHostnameAsFQDN = 35; // +ptr
  optional PodOS os = 36; // +ptr
  optional bool hostUsers = 37; // +ptr
  repeated PodSchedulingGate schedulingGates = 38;
}

message PodCondition {
  optional string type = 1; // +always
  optional string status = 2; // +always
  optional Time lastProbeTime = 3;
  optional Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}
message PodIP { optional string ip = 1; }
message ContainerStateWaiting { optional string reason = 1; optional string message = 2; }
message ContainerStateRunning { optional Time startedAt = 1; }
message ContainerStateTerminated {
  optional int32 exitCode = 1; // +always
  optional int32 signal = 2;
  optional string reason = 3;
  optional string message = 4;
  optional Time startedAt = 5;
  optional Time finishedAt = 6;
  optional string containerID = 7;
}
message ContainerState {
  optional ContainerStateWaiting waiting = 1; // +ptr
  optional ContainerStateRunning running = 2; // +ptr
  optional ContainerStateTerminated terminated = 3; // +ptr
}
message ContainerStatus {
  optional string name = 1; // +always
  optional ContainerState state = 2;
  optional ContainerState lastState = 3;
  optional bool ready = 4; // +always
  optional int32 restartCount = 5; // +always
  optional string image = 6; // +always
  optional string imageID = 7; // +always
  optional string containerID = 8;
  optional bool started = 9; // +ptr
}
message PodStatus {
  optional string phase = 1;
  repeated PodCondition conditions = 2;
  optional string message = 3;
  optional string reason = 4;
  optional string hostIP = 5;
  optional string podIP = 6;
  optional Time startTime = 7; // +ptr
  repeated ContainerStatus containerStatuses = 8;
  optional string qosClass = 9;
  repeated ContainerStatus initContainerStatuses = 10;
  optional string nominatedNodeName = 11;
  repeated PodIP podIPs = 12;
}

message Pod { optional ObjectMeta metadata = 1; optional PodSpec spec = 2; optional PodStatus status = 3; }
message PodTemplateSpec { optional ObjectMeta metadata = 1; optional PodSpec spec = 2; }

// --- apps/v1

message RollingUpdateDaemonSet {
  optional IntOrString maxUnavailable = 1; // +ptr
  optional IntOrString maxSurge = 2; // +ptr
}
message DaemonSetUpdateStrategy {
  optional string type = 1;
  optional RollingUpdateDaemonSet rollingUpdate = 2; // +ptr
}
message DaemonSetSpec {
  optional LabelSelector selector = 1; // +ptr
  optional PodTemplateSpec template = 2; // +always
  optional DaemonSetUpdateStrategy updateStrategy = 3;
  optional int32 minReadySeconds = 4;
  optional int32 revisionHistoryLimit = 6; // +ptr
}
message DaemonSetCondition {
  optional string type = 1; // +always
  optional string status = 2; // +always
  optional Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}
message DaemonSetStatus {
  optional int32 currentNumberScheduled = 1; // +always
  optional int32 numberMisscheduled = 2; // +always
  optional int32 desiredNumberScheduled = 3; // +always
  optional int32 numberReady = 4; // +always
  optional int64 observedGeneration = 5;
  optional int32 updatedNumberScheduled = 6;
  optional int32 numberAvailable = 7;
  optional int32 numberUnavailable = 8;
  optional int32 collisionCount = 9; // +ptr
  repeated DaemonSetCondition conditions = 10;
}
message DaemonSet { optional ObjectMeta metadata = 1; optional DaemonSetSpec spec = 2; optional DaemonSetStatus status = 3; }

message RollingUpdateDeployment {
  optional IntOrString maxUnavailable = 1; // +ptr
  optional IntOrString maxSurge = 2; // +ptr
}
message DeploymentStrategy {
  optional string type = 1;
  optional RollingUpdateDeployment rollingUpdate = 2; // +ptr
}
message DeploymentSpec {
  optional int32 replicas = 1; // +ptr
  optional LabelSelector selector = 2; // +ptr
  optional PodTemplateSpec template = 3; // +always
  optional DeploymentStrategy strategy = 4;
  optional int32 minReadySeconds = 5;
  optional int32 revisionHistoryLimit = 6; // +ptr
  optional bool paused = 7;
  optional int32 progressDeadlineSeconds = 9; // +ptr
}
message DeploymentCondition {
  optional string type = 1; // +always
  optional string status = 2; // +always
  optional string reason = 4;
  optional string message = 5;
  optional Time lastUpdateTime = 6;
  optional Time lastTransitionTime = 7;
}
message DeploymentStatus {
  optional int64 observedGeneration = 1;
  optional int32 replicas = 2;
  optional int32 updatedReplicas = 3;
  optional int32 availableReplicas = 4;
  optional int32 unavailableReplicas = 5;
  repeated DeploymentCondition conditions = 6;
  optional int32 readyReplicas = 7;
  optional int32 collisionCount = 8; // +ptr
}
message Deployment { optional ObjectMeta metadata = 1; optional DeploymentSpec spec = 2; optional DeploymentStatus status = 3; }

// --- storage.k8s.io/v1

message StorageTokenRequest {
  optional string audience = 1; // +always
  optional int64 expirationSeconds = 2; // +ptr
}
message CSIDriverSpec {
  optional bool attachRequired = 1; // +ptr
  optional bool podInfoOnMount = 2; // +ptr
  repeated string volumeLifecycleModes = 3;
  optional bool storageCapacity = 4; // +ptr
  optional string fsGroupPolicy = 5; // +ptr
  repeated StorageTokenRequest tokenRequests = 6;
  optional bool requiresRepublish = 7; // +ptr
  optional bool seLinuxMount = 8; // +ptr
}
message CSIDriver { optional ObjectMeta metadata = 1; optional CSIDriverSpec spec = 2; }

// --- coordination.k8s.io/v1

message LeaseSpec {
  optional string holderIdentity = 1; // +ptr
  optional int32 leaseDurationSeconds = 2; // +ptr
  optional MicroTime acquireTime = 3; // +ptr
  optional MicroTime renewTime = 4; // +ptr
  optional int32 leaseTransitions = 5; // +ptr
}
message Lease { optional ObjectMeta metadata = 1; optional LeaseSpec spec = 2; }

// --- events.k8s.io/v1

message EventsEvent {
  optional ObjectMeta metadata = 1;
  optional MicroTime eventTime = 2; // +always
  optional EventSeries series = 3; // +ptr
  optional string reportingController = 4;
  optional string reportingInstance = 5;
  optional string action = 6;
  optional string reason = 7;
  optional ObjectReference regarding = 8;
  optional ObjectReference related = 9; // +ptr
  optional string note = 10;
  optional string type = 11;
  optional EventSource deprecatedSource = 12;
  optional Time deprecatedFirstTimestamp = 13;
  optional Time deprecatedLastTimestamp = 14;
  optional int32 deprecatedCount = 15;
}

// --- policy/v1

message PodDisruptionBudgetSpec {
  optional IntOrString minAvailable = 1; // +ptr
  optional LabelSelector selector = 2; // +ptr
  optional IntOrString maxUnavailable = 3; // +ptr
  optional string unhealthyPodEvictionPolicy = 4; // +ptr
}
message PodDisruptionBudgetStatus {
  optional int64 observedGeneration = 1;
  map<string, Time> disruptedPods = 2;
  optional int32 disruptionsAllowed = 3; // +always
  optional int32 currentHealthy = 4; // +always
  optional int32 desiredHealthy = 5; // +always
  optional int32 expectedPods = 6; // +always
  repeated Condition conditions = 7;
}
message PodDisruptionBudget { optional ObjectMeta metadata = 1; optional PodDisruptionBudgetSpec spec = 2; optional PodDisruptionBudgetStatus status = 3; }

// --- authentication.k8s.io/v1

message BoundObjectReference { optional string kind = 1; optional string apiVersion = 2; optional string name = 3; optional string uid = 4; }
message TokenRequestSpec {
  repeated string audiences = 1; // +always
  optional BoundObjectReference boundObjectRef = 3; // +ptr
  optional int64 expirationSeconds = 4; // +ptr
}
message TokenRequestStatus {
  optional string token = 1; // +always
  optional Time expirationTimestamp = 2; // +always
}
message TokenRequest { optional ObjectMeta metadata = 1; optional TokenRequestSpec spec = 2; optional TokenRequestStatus status = 3; }

message UserInfo {
  optional string username = 1;
  optional string uid = 2;
  repeated string groups = 3;
}
message SelfSubjectReviewStatus { optional UserInfo userInfo = 1; }
message SelfSubjectReview { optional ObjectMeta metadata = 1; optional SelfSubjectReviewStatus status = 2; }

// --- authorization.k8s.io/v1

message ResourceAttributes {
  optional string namespace = 1;
  optional string verb = 2;
  optional string group = 3;
  optional string version = 4;
  optional string resource = 5;
  optional string subresource = 6;
  optional string name = 7;
}
message NonResourceAttributes { optional string path = 1; optional string verb = 2; }
message SelfSubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1; // +ptr
  optional NonResourceAttributes nonResourceAttributes = 2; // +ptr
}
message SubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1; // +ptr
  optional NonResourceAttributes nonResourceAttributes = 2; // +ptr
  optional string user = 3;
  repeated string groups = 4;
  optional string uid = 6;
}
message SubjectAccessReviewStatus {
  optional bool allowed = 1; // +always
  optional string reason = 2;
  optional string evaluationError = 3;
  optional bool denied = 4;
}
message SelfSubjectAccessReview { optional ObjectMeta metadata = 1; optional SelfSubjectAccessReviewSpec spec = 2; optional SubjectAccessReviewStatus status = 3; }
message SubjectAccessReview { optional ObjectMeta metadata = 1; optional SubjectAccessReviewSpec spec = 2; optional SubjectAccessReviewStatus status = 3; }

// --- rbac.authorization.k8s.io/v1

message PolicyRule {
  repeated string verbs = 1; // +always
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
  repeated string nonResourceURLs = 5;
}
message AggregationRule { repeated LabelSelector clusterRoleSelectors = 1; }
message Subject {
  optional string kind = 1; // +always
  optional string apiGroup = 2;
  optional string name = 3; // +always
  optional string namespace = 4;
}
message RoleRef {
  optional string apiGroup = 1; // +always
  optional string kind = 2; // +always
  optional string name = 3; // +always
}
message Role { optional ObjectMeta metadata = 1; repeated PolicyRule rules = 2; }
message ClusterRole { optional ObjectMeta metadata = 1; repeated PolicyRule rules = 2; optional AggregationRule aggregationRule = 3; } // aggregationRule +ptr
message RoleBinding { optional ObjectMeta metadata = 1; repeated Subject subjects = 2; optional RoleRef roleRef = 3; }
message ClusterRoleBinding { optional ObjectMeta metadata = 1; repeated Subject subjects = 2; optional RoleRef roleRef = 3; }

// --- security.openshift.io/v1

message IDRange { optional int64 min = 1; optional int64 max = 2; }
message SELinuxContextStrategyOptions { optional string type = 1; optional SELinuxOptions seLinuxOptions = 2; } // seLinuxOptions +ptr
message RunAsUserStrategyOptions {
  optional string type = 1;
  optional int64 uid = 2; // +ptr
  optional int64 uidRangeMin = 3; // +ptr
  optional int64 uidRangeMax = 4; // +ptr
}
message SupplementalGroupsStrategyOptions { optional string type = 1; repeated IDRange ranges = 2; }
message FSGroupStrategyOptions { optional string type = 1; repeated IDRange ranges = 2; }
message AllowedFlexVolume { optional string driver = 1; } // +always
message SecurityContextConstraints {
  optional ObjectMeta metadata = 1;
  optional int32 priority = 2; // +ptr
  optional bool allowPrivilegedContainer = 3; // +always
  repeated string defaultAddCapabilities = 4;
  repeated string requiredDropCapabilities = 5;
  repeated string allowedCapabilities = 6;
  optional bool allowHostDirVolumePlugin = 7; // +always
  repeated string volumes = 8;
  optional bool allowHostNetwork = 9; // +always
  optional bool allowHostPorts = 10; // +always
  optional bool allowHostPID = 11; // +always
  optional bool allowHostIPC = 12; // +always
  optional SELinuxContextStrategyOptions seLinuxContext = 13;
  optional RunAsUserStrategyOptions runAsUser = 14;
  optional SupplementalGroupsStrategyOptions supplementalGroups = 15;
  optional FSGroupStrategyOptions fsGroup = 16;
  optional bool readOnlyRootFilesystem = 17; // +always
  repeated string users = 18;
  repeated string groups = 19;
  repeated string seccompProfiles = 20;
  repeated AllowedFlexVolume allowedFlexVolumes = 21;
  optional bool defaultAllowPrivilegeEscalation = 22; // +ptr
  optional bool allowPrivilegeEscalation = 23; // +ptr
  repeated string allowedUnsafeSysctls = 24;
  repeated string forbiddenSysctls = 25;
}
"""#

    /// The message each built-in kind's bytes hold, by "apiVersion Kind"
    /// (DeleteOptions, which clients send under any group's version, aside).
    static let kinds: [String: String] = [
        "v1 Namespace": "Namespace", "v1 ConfigMap": "ConfigMap", "v1 Secret": "Secret",
        "v1 ServiceAccount": "ServiceAccount", "v1 Event": "Event", "v1 Node": "Node",
        "v1 Service": "Service", "v1 Pod": "Pod",
        "apps/v1 DaemonSet": "DaemonSet", "apps/v1 Deployment": "Deployment",
        "storage.k8s.io/v1 CSIDriver": "CSIDriver",
        "coordination.k8s.io/v1 Lease": "Lease",
        "events.k8s.io/v1 Event": "EventsEvent",
        "policy/v1 PodDisruptionBudget": "PodDisruptionBudget",
        "authentication.k8s.io/v1 TokenRequest": "TokenRequest",
        "authentication.k8s.io/v1 SelfSubjectReview": "SelfSubjectReview",
        "authorization.k8s.io/v1 SelfSubjectAccessReview": "SelfSubjectAccessReview",
        "authorization.k8s.io/v1 SubjectAccessReview": "SubjectAccessReview",
        "rbac.authorization.k8s.io/v1 Role": "Role",
        "rbac.authorization.k8s.io/v1 ClusterRole": "ClusterRole",
        "rbac.authorization.k8s.io/v1 RoleBinding": "RoleBinding",
        "rbac.authorization.k8s.io/v1 ClusterRoleBinding": "ClusterRoleBinding",
        "security.openshift.io/v1 SecurityContextConstraints": "SecurityContextConstraints",
    ]
}
