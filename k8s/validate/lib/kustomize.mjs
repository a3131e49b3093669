// Renders a kustomization the way `kubectl apply -k` would, for the fields this repository uses, so the overlays'
// result is validated too (kustomize itself is a Go binary, not available where the tests run). A field it does
// not render is an error, never silently ignored: extend render() when a kustomization needs one.
import fs from "node:fs";
import path from "node:path";
import jsonpatch from "fast-json-patch";
import YAML from "yaml";
import { KUSTOMIZATION_FILES, readDocuments, describe } from "./manifests.mjs";

const RENDERED_FIELDS = new Set(["apiVersion", "kind", "resources", "namespace", "labels", "commonLabels",
  "commonAnnotations", "patches", "replicas", "images", "configMapGenerator", "generatorOptions"]);
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
  "PersistentVolume", "StorageClass", "PriorityClass", "ClusterTriggerAuthentication"]);
const WORKLOADS = new Set(["Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"]);

export function kustomizationFile(dir) {
  return KUSTOMIZATION_FILES.map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
}

/** The objects `kubectl kustomize dir` would print, and the files it read (for the "every file is used" check). */
export function render(dir, used = new Set()) {
  const file = kustomizationFile(dir);
  if (!file) throw new Error(`${dir}: no kustomization file`);
  used.add(file);
  const k = readDocuments(file)[0] ?? {};
  const where = path.relative(process.cwd(), file);
  for (const field of Object.keys(k)) {
    if (!RENDERED_FIELDS.has(field)) throw new Error(`${where}: field '${field}' is not rendered by k8s/validate/lib/kustomize.mjs`);
  }
  let objects = [];
  for (const entry of k.resources ?? []) {
    const target = path.resolve(dir, entry);
    if (/^[a-z]+:\/\//.test(entry) || !fs.existsSync(target)) throw new Error(`${where}: resource '${entry}' does not exist`);
    if (fs.statSync(target).isDirectory()) {
      objects.push(...render(target, used));
    } else {
      used.add(target);
      objects.push(...readDocuments(target));
    }
  }
  for (const generator of k.configMapGenerator ?? []) objects.push(configMap(dir, where, generator, k.generatorOptions, used));
  objects = structuredClone(objects);
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  for (const rule of k.labels ?? []) addLabels(objects, rule.pairs ?? {}, rule.includeSelectors, rule.includeSelectors || rule.includeTemplates);
  if (k.commonLabels) addLabels(objects, k.commonLabels, true, true);
  if (k.commonAnnotations) {
    for (const o of objects) {
      o.metadata.annotations = { ...o.metadata.annotations, ...k.commonAnnotations };
      if (o.spec?.template?.metadata) o.spec.template.metadata.annotations = { ...o.spec.template.metadata.annotations, ...k.commonAnnotations };
    }
  }
  for (const patch of k.patches ?? []) applyPatch(dir, where, objects, patch, used);
  for (const { name, count } of k.replicas ?? []) {
    const targets = objects.filter((o) => WORKLOADS.has(o.kind) && o.metadata.name === name);
    if (targets.length === 0) throw new Error(`${where}: replicas: no workload named ${name}`);
    for (const o of targets) o.spec.replicas = count;
  }
  for (const image of k.images ?? []) setImage(where, objects, image);
  return objects;
}

function configMap(dir, where, generator, options = {}, used) {
  const data = {};
  for (const entry of generator.files ?? []) {
    const [key, file] = entry.includes("=") ? entry.split("=", 2) : [path.basename(entry), entry];
    const source = path.resolve(dir, file);
    if (!fs.existsSync(source)) throw new Error(`${where}: configMapGenerator ${generator.name}: file '${file}' does not exist`);
    used.add(source);
    data[key] = fs.readFileSync(source, "utf8");
  }
  for (const literal of generator.literals ?? []) {
    const at = literal.indexOf("=");
    data[literal.slice(0, at)] = literal.slice(at + 1);
  }
  const labels = { ...options.labels, ...generator.options?.labels };
  const annotations = { ...options.annotations, ...generator.options?.annotations };
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: generator.name, labels, annotations }, data };
}

function addLabels(objects, pairs, selectors, templates) {
  for (const o of objects) {
    o.metadata.labels = { ...o.metadata.labels, ...pairs };
    if (templates && o.spec?.template?.metadata) o.spec.template.metadata.labels = { ...o.spec.template.metadata.labels, ...pairs };
    if (selectors && o.spec?.selector) {
      if (o.kind === "Service") o.spec.selector = { ...o.spec.selector, ...pairs };
      else if (o.spec.selector.matchLabels) o.spec.selector.matchLabels = { ...o.spec.selector.matchLabels, ...pairs };
    }
  }
}

function matches(o, target) {
  if (target.kind && o.kind !== target.kind) return false;
  if (target.name && !new RegExp(`^${target.name}$`).test(o.metadata.name)) return false;
  if (target.group !== undefined) {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
    if (group !== target.group) return false;
  }
  if (target.version && o.apiVersion.split("/").pop() !== target.version) return false;
  if (target.labelSelector) {
    for (const term of target.labelSelector.split(",")) {
      const [key, value] = term.split("=");
      if (o.metadata.labels?.[key.trim()] !== value?.trim()) return false;
    }
  }
  return true;
}

function applyPatch(dir, where, objects, patch, used) {
  let text = patch.patch;
  if (patch.path) {
    const file = path.resolve(dir, patch.path);
    if (!fs.existsSync(file)) throw new Error(`${where}: patch file '${patch.path}' does not exist`);
    used.add(file);
    text = fs.readFileSync(file, "utf8");
  }
  const operations = YAML.parse(text);
  if (!Array.isArray(operations)) throw new Error(`${where}: only JSON 6902 patches (a list of operations) are rendered`);
  if (!patch.target) throw new Error(`${where}: a JSON 6902 patch needs a target`);
  const targets = objects.filter((o) => matches(o, patch.target));
  if (targets.length === 0) throw new Error(`${where}: patch target ${JSON.stringify(patch.target)} matches no resource`);
  for (const o of targets) {
    try {
      jsonpatch.applyPatch(o, structuredClone(operations), true, true);
    } catch (e) {
      throw new Error(`${where}: patch on ${describe(o)}: ${e.name} at ${e.operation?.path ?? "?"}: ${e.message.split("\n")[0]}`);
    }
  }
}

function setImage(where, objects, { name, newName, newTag, digest }) {
  let found = false;
  for (const o of objects) {
    for (const c of [...(o.spec?.template?.spec?.containers ?? []), ...(o.spec?.template?.spec?.initContainers ?? [])]) {
      const [image] = c.image.split(/[@]/)[0].split(/:(?=[^/]*$)/);
      if (image !== name) continue;
      found = true;
      c.image = `${newName ?? image}${digest ? `@${digest}` : `:${newTag ?? c.image.split(/:(?=[^/]*$)/)[1] ?? "latest"}`}`;
    }
  }
  if (!found) throw new Error(`${where}: images: no container runs ${name}`);
}
