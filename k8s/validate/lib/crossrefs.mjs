// Cross-reference checks on one rendered set of objects (a kustomization's output) against each other and the code.
// Each check returns error strings; none may throw for a merely wrong manifest.
import { SERVICE_MODULES } from "./code.mjs";
import { describe } from "./manifests.mjs";

const IMAGE_PREFIX = "ghcr.io/llm-fleet/";
const HEALTH_PATHS = { livenessProbe: "/q/health/live", readinessProbe: "/q/health/ready", startupProbe: "/q/health/started" };
/** Variables read by the image's launcher (run-java.sh of the UBI OpenJDK image) and by glibc, not by the service. */
const RUNTIME_VARIABLES = new Set(["JAVA_OPTS_APPEND", "GC_CONTAINER_OPTIONS", "MALLOC_ARENA_MAX"]);
/** Kafka client settings the manifests pass as KAFKA_* (Quarkus hands every KAFKA_* variable to the Kafka clients). */
const KAFKA_CLIENT_VARIABLES = new Set(["KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM",
  "KAFKA_SASL_JAAS_CONFIG"]);
/** Secrets created by hand per namespace (docs/DEPLOY.md), with their keys. */
const EXTERNAL_SECRETS = { "mdb-credentials": ["api-key"], "fleet-auth": ["key-secret", "admin-key"] };
/** Keys of the Secret the Strimzi User Operator writes for a SCRAM-SHA-512 KafkaUser. */
const KAFKA_USER_SECRET_KEYS = ["password", "sasl.jaas.config"];
const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet"]);

const selects = (selector, labels) => !!selector && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

class Build {
  constructor(objects) {
    this.objects = objects;
  }

  of(kind) {
    return this.objects.filter((o) => o.kind === kind);
  }

  named(kind, name) {
    return this.objects.find((o) => o.kind === kind && o.metadata.name === name);
  }

  get workloads() {
    return this.objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
  }

  podsSelectedBy(matchLabels) {
    return this.workloads.filter((w) => selects(matchLabels, w.spec.template.metadata.labels));
  }
}

const containers = (workload) => workload.spec.template.spec.containers ?? [];
const containerPort = (workload, port) => containers(workload).flatMap((c) => c.ports ?? [])
  .find((p) => p.name === port || p.containerPort === port);
const serviceModule = (workload) => containers(workload).map((c) => c.image ?? "")
  .filter((i) => i.startsWith(IMAGE_PREFIX)).map((i) => i.slice(IMAGE_PREFIX.length).split(/[:@]/)[0])
  .find((m) => SERVICE_MODULES.includes(m));

/** The environment of a container: env entries and the data of the ConfigMaps it takes whole. */
function environment(build, container, errors, where) {
  const variables = new Map();
  for (const from of container.envFrom ?? []) {
    if (!from.configMapRef) {
      errors.push(`${where}: envFrom a Secret: name each variable with env and secretKeyRef, so that its keys can be checked`);
      continue;
    }
    const map = build.named("ConfigMap", from.configMapRef.name);
    if (!map) {
      errors.push(`${where}: envFrom ConfigMap ${from.configMapRef.name} is not in the deployment`);
      continue;
    }
    for (const [k, v] of Object.entries(map.data ?? {})) variables.set(k, { value: v });
  }
  for (const e of container.env ?? []) variables.set(e.name, { value: e.value, from: e.valueFrom });
  return variables;
}

function secretHasKey(build, name, key) {
  if (EXTERNAL_SECRETS[name]) return EXTERNAL_SECRETS[name].includes(key);
  const user = build.named("KafkaUser", name);
  if (user) return KAFKA_USER_SECRET_KEYS.includes(key) && user.spec?.authentication?.type === "scram-sha-512";
  const secret = build.named("Secret", name);
  return !!secret && key in { ...secret.data, ...secret.stringData };
}

function serviceChecks(build, code, errors) {
  for (const service of build.of("Service")) {
    const where = describe(service);
    const pods = build.podsSelectedBy(service.spec.selector);
    if (pods.length === 0) {
      errors.push(`${where}: selector ${JSON.stringify(service.spec.selector)} matches no Deployment's or StatefulSet's pods`);
      continue;
    }
    for (const port of service.spec.ports ?? []) {
      for (const pod of pods) {
        const target = containerPort(pod, port.targetPort ?? port.port);
        if (!target) {
          errors.push(`${where}: targetPort ${port.targetPort} is no container port of ${describe(pod)}`);
          continue;
        }
        const module = serviceModule(pod);
        if (module && (target.containerPort !== code.get(module).httpPort || port.port !== code.get(module).httpPort)) {
          errors.push(`${where}: port ${port.port} → ${target.containerPort}, but ${module} listens on quarkus.http.port=${code.get(module).httpPort}`);
        }
      }
    }
  }
}

function workloadChecks(build, code, errors) {
  for (const workload of build.workloads) {
    const where = describe(workload);
    if (!selects(workload.spec.selector?.matchLabels, workload.spec.template.metadata.labels)) {
      errors.push(`${where}: spec.selector does not match its own pod template labels`);
    }
    const module = serviceModule(workload);
    for (const container of containers(workload)) {
      for (const [probe, path] of Object.entries(HEALTH_PATHS)) {
        const p = container[probe];
        if (!p) continue;
        const port = p.httpGet?.port ?? p.tcpSocket?.port;
        if (port !== undefined && !containerPort(workload, port)) errors.push(`${where}: ${probe} port ${port} is no container port`);
        if (module && p.httpGet?.path !== path) errors.push(`${where}: ${probe} must GET ${path} (Quarkus SmallRye Health), not ${p.httpGet?.path}`);
      }
      if (module) quarkusContainerChecks(build, code.get(module), workload, container, errors);
    }
  }
}

function quarkusContainerChecks(build, service, workload, container, errors) {
  const where = `${describe(workload)} (${service.module})`;
  const readable = service.environment;
  const variables = environment(build, container, errors, where);
  for (const [name, { value, from }] of variables) {
    const read = readable.names.has(name) || readable.prefixes.some((p) => name.startsWith(p))
      || RUNTIME_VARIABLES.has(name) || KAFKA_CLIENT_VARIABLES.has(name);
    if (!read) errors.push(`${where}: sets ${name}, which nothing in ${service.module} or common reads`);
    const secret = from?.secretKeyRef;
    if (secret && !secretHasKey(build, secret.name, secret.key)) {
      errors.push(`${where}: ${name} comes from Secret ${secret.name} key ${secret.key}, which neither the deployment, a KafkaUser nor docs/DEPLOY.md creates`);
    }
    if (from?.configMapKeyRef && build.named("ConfigMap", from.configMapKeyRef.name)?.data?.[from.configMapKeyRef.key] === undefined) {
      errors.push(`${where}: ${name} comes from a ConfigMap key that does not exist`);
    }
    if (value !== undefined) endpointChecks(build, name, String(value), where, errors);
  }
  const jaas = variables.get("KAFKA_SASL_JAAS_CONFIG")?.from?.secretKeyRef;
  if (variables.has("KAFKA_SASL_JAAS_CONFIG") && jaas?.name !== service.module) {
    errors.push(`${where}: logs in to Kafka as ${jaas?.name}, not as its own KafkaUser ${service.module}`);
  }
  const grace = workload.spec.template.spec.terminationGracePeriodSeconds ?? 30;
  const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
  if (grace <= preStop + service.shutdownSeconds) {
    errors.push(`${where}: terminationGracePeriodSeconds ${grace} leaves no margin after the preStop sleep (${preStop} s) and the service's own shutdown (${service.shutdownSeconds} s)`);
  }
  const options = variables.get("JAVA_OPTS_APPEND")?.value;
  for (const kept of options === undefined ? [] : service.imageJavaOptions) {
    if (!options.split(/\s+/).includes(kept)) errors.push(`${where}: JAVA_OPTS_APPEND replaces the image's and drops its ${kept}`);
  }
  const heap = [...(options ?? "").matchAll(/-Xmx(\d+)([mMgG])/g)].pop();
  const limit = container.resources?.limits?.memory;
  if (heap && limit && mebibytes(`${heap[1]}${heap[2].toUpperCase()}i`) >= mebibytes(limit)) {
    errors.push(`${where}: heap -Xmx${heap[1]}${heap[2]} does not fit in the memory limit ${limit}`);
  }
}

function mebibytes(quantity) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(String(quantity));
  if (!m) return NaN;
  return Number(m[1]) * { Ki: 1 / 1024, Mi: 1, Gi: 1024, K: 1e3 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, undefined: 1 / 1048576 }[m[2]];
}

/** KAFKA_BOOTSTRAP_SERVERS must name the Strimzi bootstrap Service and a listener port; REDIS_URL the noeviction Redis. */
function endpointChecks(build, name, value, where, errors) {
  if (name === "KAFKA_BOOTSTRAP_SERVERS") {
    for (const server of value.split(",")) {
      const [host, port] = server.trim().split(":");
      const kafka = build.of("Kafka").find((k) => host === `${k.metadata.name}-kafka-bootstrap`);
      if (!kafka) errors.push(`${where}: KAFKA_BOOTSTRAP_SERVERS ${host} is no Kafka cluster's bootstrap Service`);
      else if (!(kafka.spec.kafka.listeners ?? []).some((l) => String(l.port) === port)) {
        errors.push(`${where}: KAFKA_BOOTSTRAP_SERVERS port ${port} is no listener of Kafka ${kafka.metadata.name}`);
      }
    }
  }
  if (name === "REDIS_URL" || name === "REDIS_CACHE_URL") {
    const m = /^rediss?:\/\/(?:[^@/]*@)?([^:/]+)(?::(\d+))?/.exec(value);
    const service = m && build.named("Service", m[1]);
    const port = Number(m?.[2] ?? 6379);
    if (!service || !(service.spec.ports ?? []).some((p) => p.port === port)) {
      errors.push(`${where}: ${name} ${value} names no Service port of the deployment`);
      return;
    }
    const policies = build.podsSelectedBy(service.spec.selector)
      .flatMap((w) => containers(w)).map((c) => redisSetting(c, "maxmemory-policy") ?? "noeviction");
    if (name === "REDIS_URL" && policies.some((p) => p !== "noeviction")) {
      errors.push(`${where}: REDIS_URL is the state role and must be a noeviction Redis, ${m[1]} runs ${policies.join(", ")}`);
    }
  }
}

function redisSetting(container, setting) {
  const args = [...(container.command ?? []), ...(container.args ?? [])].map(String);
  const at = args.indexOf(`--${setting}`);
  return at >= 0 ? args[at + 1] : undefined;
}

function redisRoleChecks(build, errors) {
  const byUrl = (variable) => build.of("ConfigMap").map((c) => c.data?.[variable]).filter(Boolean)
    .map((url) => /^rediss?:\/\/(?:[^@/]*@)?([^:/]+)/.exec(url)?.[1]);
  for (const host of new Set(byUrl("REDIS_CACHE_URL"))) {
    for (const container of build.podsSelectedBy(build.named("Service", host)?.spec.selector).flatMap(containers)) {
      const policy = redisSetting(container, "maxmemory-policy");
      if (!/^allkeys-(lru|lfu)$/.test(policy ?? "") || !redisSetting(container, "maxmemory")) {
        errors.push(`Redis ${host} (REDIS_CACHE_URL): the cache role must evict (allkeys-lru or allkeys-lfu under a --maxmemory), it runs ${policy ?? "noeviction"}`);
      }
    }
  }
  for (const host of new Set(byUrl("REDIS_URL"))) {
    for (const container of build.podsSelectedBy(build.named("Service", host)?.spec.selector).flatMap(containers)) {
      if (redisSetting(container, "appendonly") !== "yes") errors.push(`Redis ${host} (REDIS_URL): the state role must keep an append-only file`);
      // noeviction refuses writes only past a --maxmemory; without one a full state Redis grows until the container's
      // memory limit kills it, and it restarts into the same full AOF
      if (!redisSetting(container, "maxmemory")) errors.push(`Redis ${host} (REDIS_URL): the state role needs a --maxmemory below its memory limit, so a full Redis refuses writes instead of being OOM-killed`);
    }
  }
}

function topicChecks(build, code, topics, errors) {
  const kafkaTopics = new Map(build.of("KafkaTopic").map((t) => [t.spec?.topicName ?? t.metadata.name, t]));
  if (kafkaTopics.size === 0) return;
  for (const [name, spec] of topics) {
    const t = kafkaTopics.get(name);
    if (!t) {
      errors.push(`topic ${name} (Topics.java) has no KafkaTopic`);
      continue;
    }
    if (t.spec.partitions !== spec.partitions) errors.push(`KafkaTopic ${t.metadata.name}: ${t.spec.partitions} partitions, Topics.java says ${spec.partitions}`);
    if ((t.spec.config?.["cleanup.policy"] === "compact") !== spec.compacted) errors.push(`KafkaTopic ${t.metadata.name}: compaction differs from Topics.java`);
  }
  for (const name of kafkaTopics.keys()) if (!topics.has(name)) errors.push(`KafkaTopic ${name} is not in Topics.java`);
  for (const service of code.values()) {
    for (const topic of [...service.consumes.topics, ...service.mayProduce]) {
      if (!topics.has(topic)) errors.push(`${service.module} configures topic ${topic}, which is not in Topics.java`);
    }
  }
}

function aclChecks(build, code, errors) {
  const users = build.of("KafkaUser");
  if (users.length === 0) return;
  const topics = new Set(build.of("KafkaTopic").map((t) => t.spec?.topicName ?? t.metadata.name));
  const literalGroups = [...code.values()].flatMap((s) => [...s.consumes.groups]);
  const groupPrefixes = [...code.values()].flatMap((s) => [...s.consumes.groupPrefixes]);
  const covers = (resource, name, prefix) => (resource.patternType === "prefix"
    ? name.startsWith(resource.name) : !prefix && resource.name === name);
  const granted = (user, type, name, operation, prefix = false) => (user?.spec?.authorization?.acls ?? []).some((a) => a.resource.type === type
    && covers(a.resource, name, prefix) && (a.operations.includes(operation) || a.operations.includes("All")));
  for (const user of users) {
    const where = describe(user);
    const service = code.get(user.metadata.name);
    for (const acl of user.spec?.authorization?.acls ?? []) {
      const { type, name, patternType } = acl.resource;
      if (type === "topic" && (patternType !== "literal" || !topics.has(name))) errors.push(`${where}: ACL on topic ${name} (${patternType}): no such KafkaTopic (ACLs name topics literally)`);
      if (type === "group" && !(patternType === "prefix" ? groupPrefixes.includes(name) : literalGroups.includes(name))) {
        errors.push(`${where}: ACL on group ${name} (${patternType}): no service consumes with that group id`);
      }
      if (type === "topic" && acl.operations.some((o) => o === "Write" || o === "All") && !service?.mayProduce.has(name)) {
        errors.push(`${where}: may write ${name}, which ${service ? `${service.module}'s code never produces` : "no service logs in as"}`);
      }
    }
  }
  for (const service of code.values()) {
    const user = build.named("KafkaUser", service.module);
    if (!user) {
      errors.push(`${service.module}: no KafkaUser of that name`);
      continue;
    }
    for (const t of service.produces) if (!granted(user, "topic", t, "Write")) errors.push(`KafkaUser/${service.module}: lacks Write on ${t}, which it produces`);
    for (const t of service.consumes.topics) if (!granted(user, "topic", t, "Read")) errors.push(`KafkaUser/${service.module}: lacks Read on ${t}, which it consumes`);
    for (const g of service.consumes.groups) if (!granted(user, "group", g, "Read")) errors.push(`KafkaUser/${service.module}: lacks Read on group ${g}`);
    for (const g of service.consumes.groupPrefixes) if (!granted(user, "group", g, "Read", true)) errors.push(`KafkaUser/${service.module}: lacks Read on the groups ${g}*`);
  }
}

function targetChecks(build, code, topics, metrics, errors) {
  for (const o of [...build.of("ScaledObject"), ...build.of("HorizontalPodAutoscaler")]) {
    const ref = o.spec.scaleTargetRef;
    const target = build.named(ref.kind ?? "Deployment", ref.name);
    if (!target) {
      errors.push(`${describe(o)}: scale target ${ref.kind ?? "Deployment"}/${ref.name} is not in the deployment`);
      continue;
    }
    if (o.kind === "ScaledObject" && build.of("HorizontalPodAutoscaler").some((h) => h.spec.scaleTargetRef.name === ref.name)) {
      errors.push(`${describe(o)}: ${ref.name} also has a HorizontalPodAutoscaler; KEDA makes its own, two would fight`);
    }
    const module = serviceModule(target);
    for (const trigger of o.spec.triggers ?? []) kedaTriggerChecks(build, o, trigger, module && code.get(module), topics, metrics, errors);
  }
  for (const pdb of build.of("PodDisruptionBudget")) {
    const pods = build.podsSelectedBy(pdb.spec.selector?.matchLabels);
    if (pods.length === 0) errors.push(`${describe(pdb)}: selector matches no pods`);
    for (const w of pods) {
      if (pdb.spec.minAvailable !== undefined && Number(pdb.spec.minAvailable) >= (w.spec.replicas ?? 1)) {
        errors.push(`${describe(pdb)}: minAvailable ${pdb.spec.minAvailable} with ${w.spec.replicas ?? 1} replicas of ${describe(w)} blocks every drain`);
      }
    }
  }
  for (const monitor of build.of("ServiceMonitor")) {
    const services = build.of("Service").filter((s) => selects(monitor.spec.selector?.matchLabels, s.metadata.labels));
    if (services.length === 0) errors.push(`${describe(monitor)}: selector matches no Service's labels`);
    for (const endpoint of monitor.spec.endpoints ?? []) {
      for (const s of services) {
        if (!(s.spec.ports ?? []).some((p) => p.name === endpoint.port)) errors.push(`${describe(monitor)}: Service ${s.metadata.name} has no port named ${endpoint.port}`);
        const module = build.podsSelectedBy(s.spec.selector).map(serviceModule).find(Boolean);
        if (module && endpoint.path !== "/q/metrics") errors.push(`${describe(monitor)}: ${module} serves metrics at /q/metrics, not ${endpoint.path}`);
      }
    }
  }
}

function kedaTriggerChecks(build, scaled, trigger, service, topics, metrics, errors) {
  const where = `${describe(scaled)} trigger ${trigger.name ?? trigger.type}`;
  const auth = trigger.authenticationRef?.name;
  if (auth) {
    const ta = build.named("TriggerAuthentication", auth);
    if (!ta) errors.push(`${where}: TriggerAuthentication ${auth} is not in the deployment`);
    for (const ref of ta?.spec?.secretTargetRef ?? []) {
      if (!secretHasKey(build, ref.name, ref.key)) errors.push(`${where}: Secret ${ref.name} key ${ref.key} does not exist`);
    }
  }
  if (trigger.type === "kafka") {
    const m = trigger.metadata;
    const group = service && [...service.consumes.groups].find((g) => g === m.consumerGroup);
    if (!group) errors.push(`${where}: consumerGroup ${m.consumerGroup} is not a group ${service?.module ?? "the target"} consumes with`);
    if (!service?.consumes.topics.has(m.topic)) errors.push(`${where}: topic ${m.topic} is not one ${service?.module ?? "the target"} consumes`);
    const partitions = topics.get(m.topic)?.partitions;
    if (partitions && m.allowIdleConsumers !== "true" && scaled.spec.maxReplicaCount > partitions) {
      errors.push(`${where}: maxReplicaCount ${scaled.spec.maxReplicaCount} exceeds the ${partitions} partitions of ${m.topic}`);
    }
    endpointChecks(build, "KAFKA_BOOTSTRAP_SERVERS", m.bootstrapServers, where, errors);
  }
  if (trigger.type === "prometheus") {
    for (const name of trigger.metadata.query.match(/\b[a-z_][a-z0-9_]*(?=\s*[{[)])/g) ?? []) {
      if (name.startsWith("fleet_") && !metrics.has(name)) errors.push(`${where}: query uses ${name}, which docs/METRICS.md does not document`);
    }
  }
}

function networkPolicyChecks(build, errors) {
  for (const policy of build.of("NetworkPolicy")) {
    const where = describe(policy);
    const selector = policy.spec.podSelector?.matchLabels;
    const pods = selector ? build.podsSelectedBy(selector) : build.workloads;
    if (selector && pods.length === 0) errors.push(`${where}: podSelector matches no pods`);
    for (const rule of policy.spec.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        if (peer.podSelector?.matchLabels && !peer.namespaceSelector && build.podsSelectedBy(peer.podSelector.matchLabels).length === 0) {
          errors.push(`${where}: from podSelector ${JSON.stringify(peer.podSelector.matchLabels)} matches no pods`);
        }
      }
      for (const port of rule.ports ?? []) {
        for (const pod of pods) if (!containerPort(pod, port.port)) errors.push(`${where}: port ${port.port} is no container port of ${describe(pod)}`);
      }
    }
  }
  for (const kafka of build.of("Kafka")) {
    for (const listener of kafka.spec.kafka.listeners ?? []) {
      for (const peer of listener.networkPolicyPeers ?? []) {
        if (peer.podSelector?.matchLabels && build.podsSelectedBy(peer.podSelector.matchLabels).length === 0) {
          errors.push(`${describe(kafka)} listener ${listener.name}: networkPolicyPeers ${JSON.stringify(peer.podSelector.matchLabels)} matches no pods`);
        }
      }
    }
  }
}

/** Every cross-reference error of one rendered deployment. */
export function crossReferenceErrors(objects, { code, topics, metrics }) {
  const build = new Build(objects);
  const errors = [];
  serviceChecks(build, code, errors);
  workloadChecks(build, code, errors);
  redisRoleChecks(build, errors);
  topicChecks(build, code, topics, errors);
  aclChecks(build, code, errors);
  targetChecks(build, code, topics, metrics, errors);
  networkPolicyChecks(build, errors);
  return errors;
}
