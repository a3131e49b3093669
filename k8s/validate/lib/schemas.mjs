// Schema validation of one Kubernetes object with the ajv validators that the kubernetes-models packages generate
// from the official OpenAPI documents (core API) and from the operators' CRDs (KEDA, prometheus-operator, Strimzi).
// Note: like the API server's schemas, they check types, required fields, enums and formats, not unknown fields.

/** The model package holding each API group's classes; core and *.k8s.io groups live in kubernetes-models itself. */
const CRD_PACKAGES = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "kafka.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  "core.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
};

function modulePath(apiVersion, kind) {
  if (!apiVersion.includes("/")) {
    return `kubernetes-models/${apiVersion}/${kind}`;
  }
  const [group] = apiVersion.split("/");
  const pkg = CRD_PACKAGES[group] ?? (group.includes(".") && !group.endsWith(".k8s.io") ? null : "kubernetes-models");
  return pkg && `${pkg}/${apiVersion}/${kind}`;
}

const models = new Map();

async function modelClass(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!models.has(key)) {
    const path = modulePath(apiVersion, kind);
    let model = null;
    if (path) {
      try {
        model = (await import(path))[kind] ?? null;
      } catch (e) {
        if (e.code !== "ERR_MODULE_NOT_FOUND" && e.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") throw e;
      }
    }
    models.set(key, model);
  }
  return models.get(key);
}

/** Validation errors of one object (an empty list when valid); an object of an unknown API is an error too. */
export async function schemaErrors(object) {
  const { apiVersion, kind } = object ?? {};
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return ["has no apiVersion and kind"];
  }
  const Model = await modelClass(apiVersion, kind);
  if (!Model) {
    return [`${apiVersion} ${kind}: no schema for this API in the pinned model packages (k8s/validate/package.json)`];
  }
  try {
    new Model(object).validate();
    return [];
  } catch (e) {
    return [`${kind} ${object.metadata?.name ?? "(no name)"}: ${e.message}`];
  }
}
