/**
 * The audit view's inline script: renders the audit rows from the JSON element and filters
 * them by policy, run, job, action, decision and authorizer as the reader types. Plain ES2017,
 * no dependencies; it reads nothing but the page.
 */
export const AUDIT_SCRIPT = `
(function () {
  "use strict";
  var dataElement = document.getElementById("audit-data");
  if (!dataElement) return;
  var data = JSON.parse(dataElement.textContent);
  var body = document.querySelector("#audit-table tbody");
  var status = document.getElementById("audit-count");
  var f = {
    policy: document.getElementById("filter-policy"),
    run: document.getElementById("filter-run"),
    job: document.getElementById("filter-job"),
    action: document.getElementById("filter-action"),
    decision: document.getElementById("filter-decision"),
    authorizer: document.getElementById("filter-authorizer")
  };
  // Row layout: [policy, seq, time, run, job, tenant, action, target, decision, authorizedBy, detail, hash]
  var rows = [];
  data.policies.forEach(function (p) {
    p.rows.forEach(function (r) { rows.push([p.policy].concat(r)); });
  });
  function fill(select, values) {
    values.forEach(function (v) {
      var o = document.createElement("option");
      o.value = v; o.textContent = v === "" ? "(none)" : v;
      select.appendChild(o);
    });
  }
  function distinct(i) {
    var seen = {}, out = [];
    rows.forEach(function (r) { if (!seen.hasOwnProperty(r[i])) { seen[r[i]] = 1; out.push(r[i]); } });
    return out.sort();
  }
  fill(f.policy, data.policies.map(function (p) { return p.policy; }));
  fill(f.action, distinct(6));
  fill(f.decision, distinct(8));
  fill(f.authorizer, distinct(9));
  function cell(text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    return td;
  }
  function render() {
    var policy = f.policy.value, run = f.run.value.trim().toLowerCase(),
      job = f.job.value.trim().toLowerCase(), action = f.action.value,
      decision = f.decision.value, authorizer = f.authorizer.value;
    var fragment = document.createDocumentFragment(), shown = 0;
    rows.forEach(function (r) {
      if (policy !== "*" && r[0] !== policy) return;
      if (run && r[3].toLowerCase().indexOf(run) < 0) return;
      if (job && r[4].toLowerCase().indexOf(job) < 0) return;
      if (action !== "*" && r[6] !== action) return;
      if (decision !== "*" && r[8] !== decision) return;
      if (authorizer !== "*" && r[9] !== authorizer) return;
      var tr = document.createElement("tr");
      tr.className = "decision-" + r[8];
      tr.appendChild(cell(r[0]));
      tr.appendChild(cell(String(r[1]), "num"));
      tr.appendChild(cell(Number(r[2]).toFixed(3), "num"));
      tr.appendChild(cell(r[3])); tr.appendChild(cell(r[4])); tr.appendChild(cell(r[5]));
      tr.appendChild(cell(r[6])); tr.appendChild(cell(r[7]));
      tr.appendChild(cell(r[8], r[8] === "deny" || r[8] === "error" ? "fail" : ""));
      tr.appendChild(cell(r[9])); tr.appendChild(cell(r[10], "detail"));
      tr.appendChild(cell(r[11], "mono"));
      fragment.appendChild(tr);
      shown++;
    });
    body.textContent = "";
    body.appendChild(fragment);
    status.textContent = shown + " of " + rows.length + " loaded records match";
  }
  Object.keys(f).forEach(function (k) {
    f[k].addEventListener("input", render);
    f[k].addEventListener("change", render);
  });
  render();
})();
`;
