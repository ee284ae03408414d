// The visitor self-service page: shows what is stored under this browser's
// pseudonymous id today (GET /api/me) and erases it (DELETE /api/me).
(() => {
  "use strict";
  const root = document.getElementById("omat-tiedot");
  const site = root.dataset.site;
  const api = root.dataset.api + "/api/me" + (site ? "?site=" + encodeURIComponent(site) : "");
  const status = root.querySelector(".tila");
  const table = root.querySelector("table");
  const rows = table.querySelector("tbody");
  const refresh = root.querySelector("button.hae");
  const erase = root.querySelector("button.poista");

  const cell = (tr, text) => {
    const td = document.createElement("td");
    td.textContent = text || "–";
    tr.appendChild(td);
  };
  const join = (...parts) => parts.filter(Boolean).join(", ");
  const seconds = (ms) => ms == null ? "" : (ms / 1000).toLocaleString("fi-FI", {maximumFractionDigits: 1}) + " s";

  const fail = async (what, r) => {
    status.textContent = what + " ei onnistunut" + (r ? " (" + r.status + "): " + (await r.text()).trim() : ": palvelimeen ei saatu yhteyttä.");
  };

  async function load(done) {
    status.textContent = "Haetaan tietoja…";
    let r;
    try {
      r = await fetch(api, {cache: "no-store", credentials: "omit"});
    } catch (e) {
      return fail("Tietojen haku", null);
    }
    if (!r.ok) return fail("Tietojen haku", r);
    const d = await r.json();
    rows.replaceChildren();
    for (const p of d.pageviews) {
      const tr = document.createElement("tr");
      const utm = [p.utm_source, p.utm_medium, p.utm_campaign, p.utm_term, p.utm_content].filter(Boolean).join(" / ");
      cell(tr, new Date(p.ts).toLocaleString("fi-FI"));
      cell(tr, p.path + (utm ? " (" + utm + ")" : ""));
      cell(tr, join(p.city, p.region, p.country));
      cell(tr, join(p.browser && (p.browser + " " + p.browser_version).trim(), p.os, p.device));
      cell(tr, seconds(p.duration_ms));
      cell(tr, p.referrer_host);
      rows.appendChild(tr);
    }
    const n = d.pageviews.length;
    table.hidden = erase.hidden = n === 0;
    status.textContent = (done ? done + " " : "") + (n === 0
      ? "Selaimesi tämän päivän (" + d.day + ") tunnisteella ei ole tallennettu sivulatauksia."
      : "Selaimesi tämän päivän (" + d.day + ") tunnisteella " + d.visitor + " on tallennettu " + n + (n === 1 ? " sivulataus." : " sivulatausta."));
  }

  refresh.addEventListener("click", () => load());
  erase.addEventListener("click", async () => {
    if (!confirm("Poistetaanko kaikki selaimesi tänään tallennetut sivuvierailutiedot? Poistoa ei voi perua.")) return;
    let r;
    try {
      r = await fetch(api, {method: "DELETE", credentials: "omit"});
    } catch (e) {
      return fail("Poisto", null);
    }
    if (!r.ok) return fail("Poisto", r);
    const d = await r.json();
    load("Poistettu " + d.deleted.pageviews + " sivulatausta ja " + d.deleted.leaves + " kestotietoa.");
  });
  load();
})();
