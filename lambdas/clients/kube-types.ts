/**
 * The Kubernetes objects the cluster checks read, as the API server sends them in JSON: only the fields the
 * auditor uses, every one optional where the API omits it (`omitempty`). Field names and meanings from
 * kubernetes/api core/v1/types.go, apps/v1/types.go and apimachinery pkg/apis/meta/v1/types.go. Names
 * follow @kubernetes/client-node's (V1Pod, CoreV1Event...), but unlike its ObjectSerializer nothing is
 * converted: **every timestamp is an RFC 3339 string** (`metav1.Time` marshals as one), so a check must
 * parse it (`Date.parse`) before comparing; the compiler refuses a string used as a Date.
 */

/** `metav1.Time` on the wire: RFC 3339, seconds precision (`2025-06-01T12:00:00Z`). */
export type Timestamp = string;
/** `metav1.MicroTime` on the wire: RFC 3339 with microseconds (`2025-06-01T12:00:00.000000Z`). */
export type MicroTimestamp = string;

export interface V1OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface V1ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: V1OwnerReference[];
  creationTimestamp?: Timestamp;
  deletionTimestamp?: Timestamp;
  resourceVersion?: string;
}

export interface V1SecretKeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}

export interface V1EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: V1SecretKeySelector;
    configMapKeyRef?: V1SecretKeySelector;
    fieldRef?: { fieldPath: string; apiVersion?: string };
    resourceFieldRef?: { resource: string; containerName?: string };
  };
}

export interface V1EnvFromSource {
  prefix?: string;
  secretRef?: { name?: string; optional?: boolean };
  configMapRef?: { name?: string; optional?: boolean };
}

export interface V1ResourceRequirements {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export interface V1Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: V1EnvVar[];
  envFrom?: V1EnvFromSource[];
  resources?: V1ResourceRequirements;
}

export interface V1Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface V1NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface V1Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: {
      nodeSelectorTerms: Array<{
        matchExpressions?: V1NodeSelectorRequirement[];
        matchFields?: V1NodeSelectorRequirement[];
      }>;
    };
  };
}

export interface V1PodSpec {
  containers: V1Container[];
  initContainers?: V1Container[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: V1Affinity;
  tolerations?: V1Toleration[];
  serviceAccountName?: string;
}

export interface V1PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: Timestamp | null;
  lastTransitionTime?: Timestamp;
}

export interface V1ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: Timestamp;
  finishedAt?: Timestamp;
}

export interface V1ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: Timestamp };
  terminated?: V1ContainerStateTerminated;
}

export interface V1ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  ready: boolean;
  restartCount: number;
  started?: boolean;
  state?: V1ContainerState;
  lastState?: V1ContainerState;
}

export interface V1PodStatus {
  phase?: string;
  reason?: string;
  message?: string;
  conditions?: V1PodCondition[];
  containerStatuses?: V1ContainerStatus[];
  initContainerStatuses?: V1ContainerStatus[];
  startTime?: Timestamp;
}

export interface V1Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: V1PodSpec;
  status?: V1PodStatus;
}

export interface V1ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  fieldPath?: string;
}

/** core/v1 Event (what `kubectl get events` lists). */
export interface CoreV1Event {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  involvedObject: V1ObjectReference;
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: Timestamp | null;
  /** The latest occurrence; `null` for events written by events.k8s.io/v1 clients (they set eventTime). */
  lastTimestamp?: Timestamp | null;
  eventTime?: MicroTimestamp | null;
  series?: { count?: number; lastObservedTime?: MicroTimestamp };
  reportingComponent?: string;
}

export interface V1Deployment {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    template: { metadata?: V1ObjectMeta; spec?: V1PodSpec };
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    unavailableReplicas?: number;
  };
}
