#!/usr/bin/env node
// Validates every manifest under k8s/: each YAML document against the Kubernetes OpenAPI schemas or its operator's
// CRD schema (a Prometheus rule file as a PrometheusRule's spec; promtool's unit-test files are left to promtool),
// each kustomization rendered as `kubectl apply -k`
// would and its output validated again, and each rendered deployment's cross-references among its objects and
// against the code (selectors, ports, probes, environment, topics, ACLs, autoscaling targets, Redis roles).
// Usage: node k8s/validate/validate.mjs   (exit 0: all valid; 1: errors, each printed on its own line)
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SERVICE_MODULES, ServiceCode, documentedMetrics, topicSpecs } from "./lib/code.mjs";
import { crossReferenceErrors } from "./lib/crossrefs.mjs";
import { kustomizationFile, render } from "./lib/kustomize.mjs";
import { KUSTOMIZATION_FILES, isRuleFile, isRuleTestFile, readDocuments, yamlFiles } from "./lib/manifests.mjs";
import { schemaErrors } from "./lib/schemas.mjs";

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const root = path.resolve(k8s, "..");
const relative = (file) => path.relative(root, file);

const facts = {
  code: new Map(SERVICE_MODULES.map((m) => [m, new ServiceCode(root, m)])),
  topics: topicSpecs(root),
  metrics: documentedMetrics(root),
};

const errors = [];
const ruleTests = [];
let documents = 0;
const files = yamlFiles(k8s);
for (const file of files) {
  if (KUSTOMIZATION_FILES.includes(path.basename(file))) continue;
  let parsed;
  try {
    parsed = readDocuments(file);
  } catch (e) {
    errors.push(e.message);
    continue;
  }
  if (parsed.every(isRuleTestFile)) {
    ruleTests.push(relative(file));
    continue;
  }
  for (const document of parsed) {
    documents++;
    const object = isRuleFile(document)
      ? { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: path.basename(file) }, spec: document }
      : document;
    for (const e of await schemaErrors(object)) errors.push(`${relative(file)}: ${e}`);
  }
}

const used = new Set();
const builds = files.filter((f) => KUSTOMIZATION_FILES.includes(path.basename(f))).map(path.dirname);
for (const dir of builds) {
  let objects;
  try {
    objects = render(dir, used);
  } catch (e) {
    errors.push(`${relative(dir)}: ${e.message}`);
    continue;
  }
  for (const object of objects) for (const e of await schemaErrors(object)) errors.push(`${relative(dir)} (rendered): ${e}`);
  for (const e of crossReferenceErrors(objects, facts)) errors.push(`${relative(dir)}: ${e}`);
}
// Files applied on their own (kubectl apply -f), e.g. a PrometheusRule meant for another namespace than its
// kustomization's: validated above, listed so that a file meant to be in a kustomization is noticed
const standalone = files.filter((f) => !used.has(f) && kustomizationFile(path.dirname(f)) !== f && !ruleFileOnly(f));

/** A Prometheus rule file or a promtool test file: used by Prometheus or promtool, not applied by kustomize. */
function ruleFileOnly(file) {
  try {
    return readDocuments(file).every((d) => isRuleFile(d) || isRuleTestFile(d));
  } catch {
    return false; // its syntax error is reported above
  }
}

for (const e of errors) console.log(`ERROR ${e}`);
if (standalone.length) console.log(`in no kustomization (applied with kubectl apply -f): ${standalone.map(relative).join(", ")}`);
if (ruleTests.length) console.log(`not validated here (promtool unit tests): ${ruleTests.join(", ")}`);
console.log(`k8s manifests: ${files.length} files, ${documents} documents, ${builds.length} kustomizations (${builds.map(relative).join(", ")}): ${errors.length} errors`);
process.exit(errors.length === 0 ? 0 : 1);
