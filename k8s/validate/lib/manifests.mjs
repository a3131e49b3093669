// Finds and parses every YAML file under a directory: Kubernetes objects, kustomizations and Prometheus rule files.
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** Every .yaml/.yml file under dir (node_modules excluded), sorted. */
export function yamlFiles(dir) {
  return fs.readdirSync(dir, { recursive: true })
    .filter((f) => /\.ya?ml$/.test(f) && !f.split(path.sep).includes("node_modules"))
    .map((f) => path.join(dir, f))
    .sort();
}

/** The documents of one YAML file as plain objects (empty documents dropped); a syntax error throws. */
export function readDocuments(file) {
  const documents = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
  const broken = documents.find((d) => d.errors.length > 0);
  if (broken) throw new Error(`${file}: ${broken.errors[0].message}`);
  return documents.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined);
}

/** A Prometheus rule file (`groups:` at the top, as prometheus and promtool read it) rather than an object. */
export function isRuleFile(document) {
  return document && typeof document === "object" && Array.isArray(document.groups) && !document.kind;
}

/** A promtool unit-test file (`rule_files:` and `tests:`): promtool's input, not something a cluster applies. */
export function isRuleTestFile(document) {
  return document && typeof document === "object" && Array.isArray(document.rule_files) && Array.isArray(document.tests);
}

export function describe(object) {
  return `${object.kind}/${object.metadata?.name ?? "(no name)"}`;
}
