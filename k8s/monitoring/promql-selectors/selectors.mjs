// Prints, as one JSON array, every series selector in the PromQL expressions given as arguments:
// [{"expression": <index of the argument>, "metric": "<name>", "labels": ["<matched label>", ...]}, ...].
// Parsed with @prometheus-io/lezer-promql, the grammar Prometheus' own UI uses. An expression that does not parse
// exits 1 naming it (promtool reports the details).
import { parser } from '@prometheus-io/lezer-promql';

const selectors = [];
process.argv.slice(2).forEach((expression, index) => {
  const text = (node) => expression.slice(node.from, node.to);
  let broken = false;
  parser.parse(expression).iterate({
    enter(ref) {
      if (ref.type.isError) {
        broken = true;
      }
      if (ref.name !== 'VectorSelector') {
        return;
      }
      const node = ref.node;
      const name = node.getChild('Identifier');
      const labels = [];
      const matchers = node.getChild('LabelMatchers');
      for (let matcher = matchers?.firstChild; matcher; matcher = matcher.nextSibling) {
        const label = matcher.getChild('LabelName');
        if (label) {
          labels.push(text(label));
        }
      }
      selectors.push({ expression: index, metric: name ? text(name) : null, labels });
    },
  });
  if (broken) {
    console.error(`expression ${index} does not parse: ${expression}`);
    process.exit(1);
  }
});
console.log(JSON.stringify(selectors));
