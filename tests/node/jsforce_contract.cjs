// The Salesforce sandbox's contract, checked by jsforce 3: a client that is not ours.
//
// Run by tests/node/test_node_clients.py against `renewal-sync sandbox serve --crm
// salesforce` in its own process: SF_INSTANCE_URL, SF_ACCESS_TOKEN and (through
// NODE_EXTRA_CA_CERTS) the loopback certificate come from the sandbox's export lines.
// Prints one JSON line: {"passed": [names], "failed": [{name, error}]}.
"use strict";

const jsforce = require("jsforce");

const conn = new jsforce.Connection({
  instanceUrl: process.env.SF_INSTANCE_URL,
  accessToken: process.env.SF_ACCESS_TOKEN,
  version: "60.0",
});
const legacy = new jsforce.Connection({
  instanceUrl: process.env.SF_INSTANCE_URL,
  accessToken: process.env.SF_ACCESS_TOKEN,
  version: "31.0",
});

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

const RUN = Date.now().toString(36);
const key = (n) => `node-jsforce-${RUN}-${n}`;

// The sandbox runs on its own clock (`--today`): spans are taken around a stamp it wrote.
function around(stamp) {
  const at = new Date(stamp.replace("+0000", "Z")).getTime();
  return [new Date(at - 3600000), new Date(at + 120000)];
}
let accountIds = [];

const checks = {
  async versions() {
    const listed = await conn.request("/services/data/");
    const numbers = listed.map((v) => v.version);
    assert(numbers[0] === "31.0" && numbers.includes("62.0"), `versions ${numbers}`);
    const old = await legacy.query("SELECT Id FROM Account LIMIT 1");
    assert(old.records.length === 1, "v31.0 answers a query");
  },

  async query_paging() {
    const total = (await conn.query("SELECT COUNT() FROM Opportunity")).totalSize;
    assert(total > 2000, `the org needs more than one page (${total})`);
    const first = await conn.query("SELECT Id FROM Opportunity");
    assert(!first.done && first.nextRecordsUrl, "the first page points at the next");
    assert(first.records.length === 2000, `a page holds 2,000, got ${first.records.length}`);
    const fetched = await conn.query("SELECT Id, Account.Name FROM Opportunity", {
      autoFetch: true,
      maxFetch: 100000,
    });
    const all = Array.isArray(fetched) ? fetched : fetched.records;
    assert(all.length === total, `autoFetch read ${all.length} of ${total}`);
    assert(all[0].Account && all[0].Account.Name, "a parent field comes back nested");
  },

  async query_all_and_deleted() {
    const [victim] = (await conn.query("SELECT Id FROM Account ORDER BY Id LIMIT 1")).records;
    await conn.sobject("Account").destroy(victim.Id);
    const live = await conn.query(`SELECT Id FROM Account WHERE Id = '${victim.Id}'`);
    const all = await conn.query(
      `SELECT Id, IsDeleted, SystemModstamp FROM Account WHERE Id = '${victim.Id}'`,
      { scanAll: true },
    );
    assert(live.totalSize === 0, "a deleted row leaves query");
    assert(all.totalSize === 1 && all.records[0].IsDeleted === true, "queryAll keeps it");
    const [start, end] = around(all.records[0].SystemModstamp);
    const deleted = await conn.sobject("Account").deleted(start, end);
    assert(
      deleted.deletedRecords.some((d) => d.id === victim.Id),
      `deleted() lists it: ${JSON.stringify(deleted).slice(0, 200)}`,
    );
  },

  async soql_admins_write() {
    const recent = await conn.query(
      "SELECT COUNT(Id) n, StageName FROM Opportunity WHERE CloseDate = LAST_N_DAYS:365 GROUP BY StageName",
    );
    assert(recent.records.length > 0 && recent.records[0].n > 0, "aggregate by stage");
    const semi = await conn.query(
      "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE IsWon = true) LIMIT 5",
    );
    assert(semi.records.length > 0, "a semi-join answers");
    const lower = await conn.query("select id, name from account limit 1");
    assert(lower.records[0].Name, "names are case-insensitive and answered as described");
  },

  async describe() {
    const global = await conn.describeGlobal();
    assert(global.sobjects.some((s) => s.name === "Opportunity"), "global describe");
    const opp = await conn.sobject("Opportunity").describe();
    const keyField = opp.fields.find((f) => f.name === "Renewal_Sync_Key__c");
    assert(keyField && keyField.externalId && keyField.unique, "the key is an external id");
    const stage = opp.fields.find((f) => f.name === "StageName");
    assert(stage.picklistValues.some((v) => v.value === "Closed Won"), "picklist values");
    const children = (await conn.sobject("Account").describe()).childRelationships;
    assert(children.some((c) => c.relationshipName === "Opportunities"), "child relationships");
  },

  async create_and_update_arrays() {
    const made = await conn.sobject("Account").create(
      [0, 1, 2].map((n) => ({ Name: `jsforce ${n}`, Segment__c: "standard" })),
    );
    assert(made.length === 3 && made.every((r) => r.success), JSON.stringify(made));
    accountIds = made.map((r) => r.id);
    const updated = await conn.sobject("Account").update(
      accountIds.map((Id, n) => ({ Id, Name: `jsforce renamed ${n}` })),
    );
    assert(updated.every((r) => r.success), `updates: ${JSON.stringify(updated)}`);
    const read = await conn.sobject("Account").retrieve(accountIds[1]);
    assert(read.Name === "jsforce renamed 1", `read back ${read.Name}`);
  },

  async upsert_arrays() {
    const rows = [1, 2].map((n) => ({
      Renewal_Sync_Key__c: key(n),
      Name: `jsforce upsert ${n}`,
      StageName: "Prospecting",
      CloseDate: "2027-06-30",
      AccountId: accountIds[0],
    }));
    const first = await conn.sobject("Opportunity").upsert(rows, "Renewal_Sync_Key__c");
    assert(first.every((r) => r.success && r.created), `created: ${JSON.stringify(first)}`);
    rows[0].Name = "jsforce upsert again";
    const again = await conn.sobject("Opportunity").upsert(rows, "Renewal_Sync_Key__c");
    assert(again.every((r) => r.success && !r.created), `updated: ${JSON.stringify(again)}`);
    const byKey = await conn.query(
      `SELECT Name FROM Opportunity WHERE Renewal_Sync_Key__c = '${key(1)}'`,
    );
    assert(byKey.totalSize === 1 && byKey.records[0].Name === "jsforce upsert again", "one row");
  },

  async retrieve_many() {
    const got = await conn.sobject("Account").retrieve(accountIds, { fields: ["Id", "Name"] });
    assert(got.length === 3 && got.every((r) => r && r.Name.startsWith("jsforce")), "by POST");
  },

  async composite_and_tree() {
    const base = "/services/data/v60.0";
    const answer = await conn.requestPost(`${base}/composite`, {
      allOrNone: true,
      compositeRequest: [
        { method: "POST", url: `${base}/sobjects/Account`, referenceId: "acct", body: { Name: "jsforce composite" } },
        {
          method: "POST", url: `${base}/sobjects/Opportunity`, referenceId: "opp",
          body: { Name: "composite deal", AccountId: "@{acct.id}", StageName: "Prospecting", CloseDate: "2027-01-31" },
        },
      ],
    });
    const codes = answer.compositeResponse.map((r) => r.httpStatusCode);
    assert(codes.join() === "201,201", `composite ${codes}`);
    const tree = await conn.requestPost(`${base}/composite/tree/Account`, {
      records: [{ attributes: { type: "Account", referenceId: "t1" }, Name: "jsforce tree" }],
    });
    assert(tree.hasErrors === false && tree.results[0].referenceId === "t1", "tree");
  },

  async identity() {
    const who = await conn.identity();
    assert(who.user_id && who.organization_id && who.username, JSON.stringify(who));
  },

  async limits() {
    const limits = await conn.limits();
    assert(limits.DailyApiRequests.Max > limits.DailyApiRequests.Remaining, "calls are counted");
  },

  async errors() {
    const malformed = await refusal(conn.query("SELEKT Id FROM Account"));
    assert(malformed.errorCode === "MALFORMED_QUERY", `bad SOQL: ${malformed.errorCode}`);
    const field = await refusal(conn.query("SELECT Nope__c FROM Account"));
    assert(field.errorCode === "INVALID_FIELD", `unknown field: ${field.errorCode}`);
    const type = await refusal(conn.sobject("Nope__c").describe());
    assert(type.errorCode === "NOT_FOUND", `unknown object: ${type.errorCode}`);
    const bad = await conn.sobject("Opportunity").create([{ Name: "no close date" }]);
    assert(!bad[0].success && bad[0].errors[0].statusCode === "REQUIRED_FIELD_MISSING",
      `per-record error: ${JSON.stringify(bad)}`);
    const expired = new jsforce.Connection({
      instanceUrl: process.env.SF_INSTANCE_URL, accessToken: "00Dnot!a-session", version: "60.0",
    });
    const refused = await refusal(expired.query("SELECT Id FROM Account"));
    assert(refused.errorCode === "INVALID_SESSION_ID", `bad token: ${refused.errorCode}`);
  },

  async updated_since() {
    const [row] = (await conn.query(
      `SELECT SystemModstamp FROM Account WHERE Id = '${accountIds[0]}'`,
    )).records;
    const [start, end] = around(row.SystemModstamp);
    const changed = await conn.sobject("Account").updated(start, end);
    assert(accountIds.every((id) => changed.ids.includes(id)), "updated() lists new rows");
    assert(changed.latestDateCovered, "latestDateCovered");
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
      failed.push({ name, error: `${error.errorCode || error.name}: ${error.message}` });
    }
  }
  console.log(JSON.stringify({ passed, failed }));
  process.exitCode = failed.length ? 1 : 0;
}

main();
