// What the code says, read from the repository: each service's configuration (its application.properties over
// common's microprofile-config.properties, default profile only), its @ConfigMapping prefixes, and Topics.java.
import fs from "node:fs";
import path from "node:path";

/** The Quarkus services a deployment runs, by module directory (the image ghcr.io/llm-fleet/<module>). */
export const SERVICE_MODULES = ["intake-service", "worker-service", "billing-service"];

const COMMON_PROPERTIES = "common/src/main/resources/META-INF/microprofile-config.properties";

/** Parses a .properties file (comments, `key=value`, no line continuations: the project uses none) without profiles. */
function readProperties(file) {
  const properties = new Map();
  for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("!")) continue;
    const at = line.search(/[=:]/);
    const key = line.slice(0, at).trim();
    if (at < 0 || key.startsWith("%")) continue;
    properties.set(key, line.slice(at + 1).trim());
  }
  return properties;
}

function javaFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith(".java"))
    .map((f) => path.join(dir, f));
}

/** MicroProfile Config's environment name of a property: every non-alphanumeric character becomes _, upper case. */
export function envName(property) {
  return property.replace(/[^A-Za-z0-9]/g, "_").toUpperCase();
}

/** Parses a Quarkus duration (20s, 5m, 1h, 500ms, PT20S) into seconds. */
export function seconds(duration) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(duration).trim());
  if (m) return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, undefined: 1 }[m[2]];
  const iso = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(String(duration).trim());
  if (iso) return (Number(iso[1] ?? 0) * 3600) + (Number(iso[2] ?? 0) * 60) + Number(iso[3] ?? 0);
  throw new Error(`not a duration: ${duration}`);
}

/** One service's configuration and what it reads. */
export class ServiceCode {
  constructor(root, module) {
    this.root = root;
    this.module = module;
    const own = readProperties(path.join(root, module, "src/main/resources/application.properties"));
    this.ownProperties = own;
    this.properties = new Map([...readProperties(path.join(root, COMMON_PROPERTIES)), ...own]);
    this.ownJava = javaFiles(path.join(root, module, "src/main/java")).map((f) => fs.readFileSync(f, "utf8"));
    this.java = [...javaFiles(path.join(root, "common/src/main/java")).map((f) => fs.readFileSync(f, "utf8")), ...this.ownJava];
    this.priorityTopics = priorityTopics(root);
  }

  /** The image's own JAVA_OPTS_APPEND (src/main/docker/Dockerfile.jvm) without the bind address, which
   *  QUARKUS_HTTP_HOST sets in a pod. */
  get imageJavaOptions() {
    const m = /^ENV JAVA_OPTS_APPEND="([^"]*)"/m.exec(fs.readFileSync(path.join(this.root, this.module, "src/main/docker/Dockerfile.jvm"), "utf8"));
    return (m?.[1] ?? "").split(/\s+/).filter((o) => o && !o.startsWith("-Dquarkus.http.host="));
  }

  get httpPort() {
    return Number(this.properties.get("quarkus.http.port"));
  }

  /** Seconds from SIGTERM until the service has stopped by its own settings: the HTTP drain plus any job drain. */
  get shutdownSeconds() {
    const http = this.properties.has("quarkus.shutdown.timeout") ? seconds(this.properties.get("quarkus.shutdown.timeout")) : 0;
    return http + this.#drainSeconds();
  }

  #drainSeconds() {
    for (const source of this.java) {
      const mapping = /@ConfigMapping\(prefix\s*=\s*"([^"]+)"\)/.exec(source);
      const drain = /@WithDefault\("([^"]+)"\)\s*Duration drainTimeout\(\)/.exec(source);
      if (mapping && drain) {
        const key = `${mapping[1]}.drain-timeout`;
        return seconds(this.properties.get(key) ?? drain[1]);
      }
    }
    return 0;
  }

  /** Environment variables the service reads: ${NAME} references, the environment form of every key it sets,
   *  and everything under its @ConfigMapping prefixes (returned as prefixes ending in _). */
  get environment() {
    const names = new Set();
    for (const [key, value] of this.properties) {
      names.add(envName(key));
      for (const m of value.matchAll(/\$\{([A-Z][A-Z0-9_]*)[:}]/g)) names.add(m[1]);
    }
    const prefixes = [];
    for (const source of this.java) {
      for (const m of source.matchAll(/@ConfigMapping\(prefix\s*=\s*"([^"]+)"\)/g)) prefixes.push(`${envName(m[1])}_`);
    }
    return { names, prefixes };
  }

  #channels(direction) {
    const channels = new Map();
    for (const [key, value] of this.properties) {
      const m = new RegExp(`^mp\\.messaging\\.${direction}\\.([^.]+)\\.topic$`).exec(key);
      if (m) channels.set(m[1], value);
    }
    return channels;
  }

  /** Topics the service's own configuration consumes, its consumer groups, and the prefixes of groups generated per
   *  instance (worker-state-${quarkus.uuid} → worker-state-). */
  get consumes() {
    const topics = new Set(this.#channels("incoming").values());
    const groups = new Set();
    const groupPrefixes = new Set();
    const connectorGroup = this.ownProperties.get("mp.messaging.connector.smallrye-kafka.group.id");
    for (const channel of this.#channels("incoming").keys()) {
      const group = this.ownProperties.get(`mp.messaging.incoming.${channel}.group.id`) ?? connectorGroup;
      if (group?.includes("${")) groupPrefixes.add(group.slice(0, group.indexOf("${")));
      else if (group) groups.add(group);
    }
    return { topics, groups, groupPrefixes };
  }

  /** Topics any outgoing channel of the service's configuration (its own and common's) may write, dead letters
   *  included, plus the priority topics when its own code sends a job to its priority's topic. */
  get mayProduce() {
    const topics = new Set([...this.#channels("outgoing").values(), ...this.#priorityRouted()]);
    const dlq = this.properties.get("mp.messaging.connector.smallrye-kafka.dead-letter-queue.topic");
    if (dlq) topics.add(dlq);
    return topics;
  }

  /** Topics the service's own configuration and code surely write (not common's channels, which not every service
   *  uses). */
  get produces() {
    const topics = new Set(this.#priorityRouted());
    for (const [key, value] of this.ownProperties) {
      if (/^mp\.messaging\.outgoing\.[^.]+\.topic$/.test(key)) topics.add(value);
    }
    return topics;
  }

  /** A message sent .withTopic(job.priority().topic()) goes to any of Priority's topics. */
  #priorityRouted() {
    return this.ownJava.some((source) => /\.withTopic\(\s*\w+\.priority\(\)\.topic\(\)\s*\)/.test(source)) ? this.priorityTopics : [];
  }
}

function topicConstants(root) {
  const source = fs.readFileSync(path.join(root, "common/src/main/java/dev/llmfleet/common/messaging/Topics.java"), "utf8");
  return { source, constants: new Map([...source.matchAll(/static final String (\w+) = "([^"]+)"/g)].map((m) => [m[1], m[2]])) };
}

/** The topics of Priority.java's constants (HIGH(Topics.JOBS_HIGH), ...). */
function priorityTopics(root) {
  const { constants } = topicConstants(root);
  const source = fs.readFileSync(path.join(root, "common/src/main/java/dev/llmfleet/common/jobs/Priority.java"), "utf8");
  return [...source.matchAll(/\b[A-Z]+\(Topics\.(\w+)\)/g)].map((m) => constants.get(m[1]));
}

/** Topics.java: every topic with its partitions and whether it is compacted. */
export function topicSpecs(root) {
  const { source, constants } = topicConstants(root);
  const specs = new Map();
  for (const m of source.matchAll(/new TopicSpec\((\w+), (\d+), (true|false)\)/g)) {
    specs.set(constants.get(m[1]), { partitions: Number(m[2]), compacted: m[3] === "true" });
  }
  if (specs.size === 0) throw new Error("Topics.java: no TopicSpec found (has its shape changed?)");
  return specs;
}

/** Metric names docs/METRICS.md documents. */
export function documentedMetrics(root) {
  const text = fs.readFileSync(path.join(root, "docs/METRICS.md"), "utf8");
  return new Set([...text.matchAll(/`([a-z][a-z0-9_]+)`/g)].map((m) => m[1]));
}
