import { render } from "./lib/kustomize.mjs";
import YAML from "yaml"; import fs from "fs";
for (const o of ["local","production"]) {
  const mine = render(`../overlays/${o}`);
  const theirs = YAML.parseAllDocuments(fs.readFileSync(o==="local"?"/tmp/local.yaml":"/tmp/prod.yaml","utf8")).map(d=>d.toJS());
  const key = x => `${x.kind}/${x.metadata.name}`;
  const t = new Map(theirs.map(x=>[key(x),x]));
  let diffs=0;
  for (const m of mine) { const x=t.get(key(m)); if (!x) { console.log("missing in kubectl", key(m)); diffs++; continue; }
    const a=JSON.stringify(sortKeys(m)), b=JSON.stringify(sortKeys(x)); if (a!==b) { diffs++; console.log("differs", o, key(m)); console.log(a.slice(0,3000)); console.log(b.slice(0,3000)); } }
  console.log(o, mine.length, theirs.length, "diffs", diffs);
}
function sortKeys(v){ if(Array.isArray(v)) return v.map(sortKeys); if(v&&typeof v==="object"){const o={}; for(const k of Object.keys(v).sort()) { if (k==="annotations" && Object.keys(v[k]).length===0) continue; o[k]=sortKeys(v[k]);} return o;} return v; }
