// The HubSpot sandbox's contract, checked by @hubspot/api-client 13 (Node): not our client.
//
// Run by tests/node/test_node_clients.py against `renewal-sync sandbox serve --crm hubspot`
// in its own process; HUBSPOT_API_HOST and HUBSPOT_ACCESS_TOKEN come from its export lines.
// Prints one JSON line: {"passed": [names], "failed": [{name, error}]}.
"use strict";

const hubspot = require("@hubspot/api-client");

const client = new hubspot.Client({
  accessToken: process.env.HUBSPOT_ACCESS_TOKEN,
  basePath: process.env.HUBSPOT_API_HOST,
  numberOfApiCallRetries: 0,
});

// HubSpot's search endpoints allow four requests a second per token (the sandbox enforces
// it: https://developers.hubspot.com/changelog/crm-search-api-rate-limit-increase), so this
// script paces its searches the way any well-behaved caller must.
const SEARCH_GAP_MS = 260;
let lastSearch = 0;
for (const name of ["companies", "deals", "products", "lineItems", "tasks"]) {
  const api = client.crm[name] && client.crm[name].searchApi;
  if (!api) continue;
  const search = api.doSearch.bind(api);
  api.doSearch = async (...args) => {
    for (let attempt = 0; ; attempt += 1) {
      const wait = lastSearch + SEARCH_GAP_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      lastSearch = Date.now();
      try {
        return await search(...args);
      } catch (error) {
        // requests can arrive closer together than they were sent: a SECONDLY 429 waits
        // the second out and tries again, as HubSpot's guidance says
        const said = typeof error.body === "string" ? error.body : JSON.stringify(error.body || {});
        const secondly = error.code === 429 && said.includes("SECONDLY");
        if (!secondly || attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function refusal(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("the call was expected to fail");
}

function body(error) {
  return typeof error.body === "string" ? JSON.parse(error.body) : error.body || {};
}

const RUN = Date.now().toString(36);
const key = (n) => `node-hubspot-${RUN}-${n}`;
let companyId;
let dealIds = [];

const checks = {
  async search_paging() {
    const seen = new Set();
    let after;
    let pages = 0;
    do {
      const page = await client.crm.companies.searchApi.doSearch({
        filterGroups: [],
        sorts: [{ propertyName: "hs_object_id", direction: "ASCENDING" }],
        properties: ["name"],
        limit: 25,
        after,
      });
      page.results.forEach((c) => seen.add(c.id));
      after = page.paging && page.paging.next ? page.paging.next.after : undefined;
      pages += 1;
      if (pages === 1) assert(page.total > 25, `total ${page.total} needs several pages`);
    } while (after);
    assert(pages > 1, "search pages by `after`");
    const total = (await client.crm.companies.searchApi.doSearch({ filterGroups: [], limit: 1 })).total;
    assert(seen.size === total, `paged ${seen.size} of ${total}, no repeats`);
    companyId = [...seen][0];
  },

  async search_filters() {
    const found = await client.crm.deals.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: "hs_is_closed_won", operator: "EQ", value: "true" }] }],
      properties: ["dealstage", "pipeline", "amount"],
      limit: 100,
    });
    assert(found.total > 0, "closed-won deals are found by hs_is_closed_won");
    const pipelines = new Set(found.results.map((d) => d.properties.pipeline));
    assert(pipelines.size > 1, `won deals live in several pipelines: ${[...pipelines]}`);
  },

  async get_all_pages() {
    const all = await client.crm.companies.getAll(50, undefined, ["name"]);
    const total = (await client.crm.companies.searchApi.doSearch({ filterGroups: [], limit: 1 })).total;
    assert(all.length === total, `getAll read ${all.length} of ${total}`);
  },

  async batch_upsert() {
    const inputs = [1, 2].map((n) => ({
      idProperty: "renewal_sync_key",
      id: key(n),
      properties: { dealname: `node upsert ${n}`, pipeline: "default", dealstage: "appointmentscheduled", amount: "1000" },
    }));
    const first = await client.crm.deals.batchApi.upsert({ inputs });
    assert(first.status === "COMPLETE" && first.results.length === 2, JSON.stringify(first).slice(0, 300));
    assert(first.results.every((r) => r._new === true), "created (the model calls `new` _new)");
    dealIds = first.results.map((r) => r.id);
    inputs[0].properties.amount = "1500";
    const again = await client.crm.deals.batchApi.upsert({ inputs });
    assert(again.results.every((r) => r._new === false), "updated, not created twice");
    const read = await client.crm.deals.batchApi.read({
      inputs: [{ id: key(1) }], idProperty: "renewal_sync_key", properties: ["amount"],
    });
    assert(read.results[0].properties.amount === "1500", `read by key: ${read.results[0].properties.amount}`);
  },

  async associations() {
    const created = await client.crm.associations.v4.batchApi.create("deals", "companies", {
      inputs: dealIds.map((id) => ({
        _from: { id },
        to: { id: companyId },
        types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 5 }],
      })),
    });
    assert(created.status === "COMPLETE", `created: ${JSON.stringify(created).slice(0, 300)}`);
    const page = await client.crm.associations.v4.batchApi.getPage("deals", "companies", {
      inputs: dealIds.map((id) => ({ id })),
    });
    assert(page.results.length === dealIds.length, "one answer per deal");
    const to = page.results[0].to[0];
    assert(String(to.toObjectId) === String(companyId), `to ${to.toObjectId}`);
    const typeIds = to.associationTypes.map((t) => t.typeId);
    assert(typeIds.includes(5) && typeIds.includes(341), `primary brings unlabelled: ${typeIds}`);
  },

  async pipelines() {
    const all = await client.crm.pipelines.pipelinesApi.getAll("deals");
    assert(all.results.length >= 2, `pipelines ${all.results.map((p) => p.id)}`);
    const enterprise = all.results.find((p) => /^\d+$/.test(p.id));
    assert(enterprise, "a pipeline with a numeric id");
    const won = enterprise.stages.find((s) => s.metadata.isClosed === "true" && Number(s.metadata.probability) === 1);
    assert(won && /^\d+$/.test(won.id), "a numeric won stage, known only from its metadata");
    const one = await client.crm.pipelines.pipelinesApi.getById("deals", enterprise.id);
    assert(one.stages.length === enterprise.stages.length, "getById");
    const stages = await client.crm.pipelines.pipelineStagesApi.getAll("deals", enterprise.id);
    assert(stages.results.length === enterprise.stages.length, "stages of a pipeline");
  },

  async products_and_owners() {
    const products = await client.crm.products.searchApi.doSearch({ filterGroups: [], properties: ["hs_sku", "price"], limit: 100 });
    assert(products.total > 0 && products.results[0].properties.hs_sku, "the product library");
    const owners = await client.crm.owners.ownersApi.getPage(undefined, undefined, 100);
    assert(owners.results.length > 0 && owners.results[0].email, "owners");
  },

  async tasks() {
    const made = await client.crm.objects.tasks.batchApi.upsert({
      inputs: [{
        idProperty: "renewal_sync_key", id: key("task"),
        properties: { hs_task_subject: "node task", hs_timestamp: "2027-01-04T00:00:00Z", hs_task_status: "NOT_STARTED" },
      }],
    });
    assert(made.results.length === 1, "a task by key");
  },

  async errors() {
    const missing = await refusal(client.crm.deals.basicApi.getById("99999999999"));
    assert(missing.code === 404 && body(missing).category === "OBJECT_NOT_FOUND", `404: ${missing.code}`);
    const wrong = new hubspot.Client({ accessToken: "pat-na1-wrong", basePath: process.env.HUBSPOT_API_HOST, numberOfApiCallRetries: 0 });
    const refused = await refusal(wrong.crm.companies.basicApi.getPage(1));
    assert(refused.code === 401 && body(refused).category === "INVALID_AUTHENTICATION", `401: ${refused.code}`);
    const tooFar = await refusal(client.crm.companies.searchApi.doSearch({ filterGroups: [], limit: 100, after: "10000" }));
    assert(tooFar.code === 400, `after 10,000: ${tooFar.code}`);
    const badProperty = await refusal(client.crm.deals.batchApi.upsert({
      inputs: [{ idProperty: "renewal_sync_key", id: key("bad"), properties: { no_such_property: "x" } }],
    }));
    assert(badProperty.code === 400 && body(badProperty).category === "VALIDATION_ERROR", `400: ${badProperty.code}`);
  },

  async rate_limit_headers() {
    const answer = await client.apiRequest({ method: "GET", path: "/crm/v3/owners?limit=1" });
    assert(answer.headers.get("x-hubspot-ratelimit-daily"), "daily allowance header");
    assert(answer.headers.get("x-hubspot-ratelimit-remaining"), "ten-second window header");
  },
};

async function main() {
  const only = process.argv.slice(2);
  const passed = [];
  const failed = [];
  for (const [name, check] of Object.entries(checks)) {
    if (only.length && !only.includes(name)) continue;
    try {
      await check();
      passed.push(name);
    } catch (error) {
      const detail = error.code ? ` (HTTP ${error.code} ${JSON.stringify(body(error)).slice(0, 200)})` : "";
      failed.push({ name, error: `${error.name}: ${error.message}`.slice(0, 400) + detail });
    }
  }
  console.log(JSON.stringify({ passed, failed }));
  process.exitCode = failed.length ? 1 : 0;
}

main();
