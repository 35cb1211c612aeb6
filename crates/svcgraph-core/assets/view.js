/* svcgraph interactive view.
 *
 * Works on the inline SVG drawn by svcgraph (nodes `g.nodes > g.node[data-id]`, edges
 * `g.edges > g.edge[data-source][data-target]` with their numbers in data-* attributes,
 * namespace boxes `g.groups > g.group[data-namespace]`) and on the graph document embedded
 * in `#svcgraph-graph`. Pan and zoom change the SVG's viewBox; every other view state is a
 * class on SVG elements, styled by view.css. Names only ever enter the DOM as text.
 *
 * A focus is drawn afresh by the page's layout engine (`#svcgraph-engine`: svcgraph's layout
 * and SVG drawing compiled to WebAssembly, the SVG `svcgraph render --focus` writes), and
 * shown in place of the drawing until it ends; where the engine cannot run, the focus dims
 * the rest of the drawing instead. A big graph's page carries only its overview drawing: a
 * namespace expanded (the overview with that namespace's services drawn in full) and the full
 * drawing are laid out by the engine when asked for.
 */
(function () {
  'use strict';

  const byId = (id) => document.getElementById(id);
  const SVG_NS = 'http://www.w3.org/2000/svg';
  /* An id as the drawing's attributes carry it: characters no markup may hold and
     text-direction overrides are U+FFFD there (render::svg), but not in the graph document. */
  const UNSHOWN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFFFE\uFFFF\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
  const drawnId = (id) => String(id).replace(UNSHOWN, '\uFFFD');

  const config = readJson('svcgraph-config') || {};
  const live = config.live || null;
  const stage = byId('stage');
  const panel = byId('panel');
  const statusLine = byId('status');
  const notice = byId('notice');
  const ui = {
    search: byId('search'), matches: byId('matches'), labels: byId('labels'),
    depth: byId('depth'), dir: byId('dir'), fit: byId('fit'), alwaysFit: byId('always-fit'),
    collapseAll: byId('collapse-all'), expandAll: byId('expand-all'), overview: byId('overview'),
    exportSvg: byId('export'), time: byId('time'), timeLabel: byId('time-label'),
    compare: byId('compare'), goLive: byId('go-live'), liveState: byId('live-state'),
  };

  function readJson(id) {
    const el = byId(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  /* ---------- Numbers, written like svcgraph's render::text ---------- */

  function significant(v) {
    if (v === 0) return '0';
    const magnitude = Math.floor(Math.log10(Math.abs(v)));
    return v.toFixed(Math.min(6, Math.max(0, 2 - magnitude)));
  }
  function formatRate(v) {
    if (!Number.isFinite(v)) return String(v);
    if (v >= 1e7) return significant(v / 1e6) + 'M';
    if (v >= 1e4) return significant(v / 1e3) + 'k';
    return significant(v);
  }
  function formatPercent(ratio) {
    const pct = ratio * 100;
    if (pct >= 10) return pct.toFixed(0) + '%';
    if (pct >= 1) return pct.toFixed(1) + '%';
    if (pct >= 0.01) return pct.toFixed(2) + '%';
    return pct > 0 ? '<0.01%' : '0%';
  }
  function formatDuration(seconds) {
    let value = seconds * 1e6, unit = 'µs';
    if (seconds >= 1) { value = seconds; unit = 's'; } else if (seconds >= 1e-3) { value = seconds * 1e3; unit = 'ms'; }
    return (value >= 10 ? value.toFixed(0) : value.toFixed(1)) + ' ' + unit;
  }
  function formatTime(unixSeconds) {
    return new Date(unixSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
  }
  // A clock time in the viewer's own time zone, for how long something has been going on.
  function localClock(unixMillis) {
    return new Date(unixMillis).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }
  const plural = (n, word) => n.toLocaleString('en-US') + ' ' + word + (n === 1 ? '' : 's');

  /* ---------- State ---------- */

  // Everything a link reproduces (see writeHash / readHash).
  const state = {
    q: '', focus: '', depth: 1, dir: 'both', labels: 'auto', collapsed: new Set(),
    fit: false, full: false, expanded: new Set(), at: '', compare: '',
  };
  let hashWaits = false; // the fragment asks for a drawing of the engine's while it loads
  const DIRECTIONS = ['both', 'callers', 'callees'];
  const LABELS = ['auto', 'rate', 'errors', 'p95'];

  let graphDoc = readJson('svcgraph-graph') || { nodes: [], edges: [] };
  // The document as the engine reads it: the page's own text, then each live view's.
  let graphText = byId('svcgraph-graph') ? byId('svcgraph-graph').textContent : '';
  // Drawings with more services than this swap without gliding (each moved node is a
  // transform the browser animates).
  const MOVES_ANIMATED = 2000;
  let docIndex = indexDocument(graphDoc);
  let svg = stage.querySelector('svg');
  let model = indexDrawing(svg);
  const overviewSvg = config.overview ? svg : null;
  // An overview of groups computed from the calls (a graph with no namespaces to group by):
  // they stand for namespaces in the overview and its expanded drawings, which the engine
  // draws with `group_by: 'calls'`, and each service's group comes from the page's config.
  const computedGroups = config.overview_level === 'group';
  const groupOf = new Map();
  if (computedGroups && config.members) {
    // Each group's services by their places in the graph document.
    const nodes = Array.isArray(graphDoc.nodes) ? graphDoc.nodes : [];
    for (const [name, places] of Object.entries(config.members)) {
      for (const i of places) if (nodes[i] && typeof nodes[i].id === 'string') groupOf.set(nodes[i].id, name);
    }
  }
  // What the boxes of the drawing shown stand for.
  const groupWord = () => (computedGroups && !state.full ? 'group' : 'namespace');
  let fullSvg = null; // laid out by the engine on first use
  let fullText = ''; // that drawing as the engine wrote it
  let expandedText = ''; // the drawing of the namespaces expanded, as the engine wrote it
  const view = { x: 0, y: 0, k: 1 }; // drawing point at the stage's top-left; pixels per unit
  // Below this scale namespace names and edge labels are too small to read, and drawing
  // thousands of them is most of the cost of a big drawing: they show again when zoomed in.
  const FAR = 0.25;
  // Edge labels (10 units) below about 6 pixels cannot be read: they give way to the names.
  const EDGE_LABELS_READABLE = 0.6;
  // Hover highlights are drawn on a second SVG laid over the drawing, so that the drawing
  // itself, however big, is neither restyled nor repainted when the mouse moves.
  const overlay = document.createElementNS(SVG_NS, 'svg');
  overlay.setAttribute('class', 'svcgraph hover-overlay');
  overlay.setAttribute('aria-hidden', 'true');
  overlay.setAttribute('preserveAspectRatio', 'xMinYMin meet');
  stage.append(overlay);
  let matches = [];
  let matchAt = -1;
  let hovered = null;
  // A call clicked: its panel stays (for its links) until another click or Escape.
  let pinned = null;

  function indexDocument(doc) {
    const nodes = new Map();
    const edges = new Map();
    for (const n of doc.nodes || []) nodes.set(drawnId(n.id), n);
    for (const e of doc.edges || []) edges.set(drawnId(e.source) + '\u0000' + drawnId(e.target), e);
    return { nodes, edges };
  }

  /* What the drawing holds: nodes by id with their edges, edges, namespace boxes. */
  function indexDrawing(root) {
    const nodes = new Map();
    const edges = [];
    const groups = new Map();
    const byNamespace = new Map();
    if (!root) return { nodes, edges, groups, byNamespace, bounds: { x: 0, y: 0, w: 1, h: 1 } };
    for (const el of root.querySelectorAll('g.nodes > g.node')) {
      const id = el.getAttribute('data-id');
      const node = {
        el, id, name: el.getAttribute('data-name') || id, kind: el.getAttribute('data-kind'),
        ns: el.getAttribute('data-namespace'), out: [], in: [], box: null,
      };
      nodes.set(id, node);
      // Namespace nodes of an overview are not members of a box.
      if (node.ns !== null && node.kind !== 'namespace') {
        if (!byNamespace.has(node.ns)) byNamespace.set(node.ns, []);
        byNamespace.get(node.ns).push(node);
      }
    }
    for (const el of root.querySelectorAll('g.edges > g.edge')) {
      const edge = { el, s: el.getAttribute('data-source'), t: el.getAttribute('data-target'), label: null };
      edges.push(edge);
      const s = nodes.get(edge.s);
      const t = nodes.get(edge.t);
      if (s) s.out.push(edge);
      if (t) t.in.push(edge);
    }
    for (const el of root.querySelectorAll('g.groups > g.group')) {
      const rect = el.querySelector('rect');
      groups.set(el.getAttribute('data-namespace'), { el, box: rectBox(rect) });
    }
    const vb = (root.getAttribute('data-viewbox') || root.getAttribute('viewBox') || '0 0 1 1').split(/[\s,]+/).map(Number);
    root.setAttribute('data-viewbox', vb.join(' '));
    root.setAttribute('preserveAspectRatio', 'xMinYMin meet');
    return { nodes, edges, groups, byNamespace, bounds: { x: vb[0], y: vb[1], w: vb[2] || 1, h: vb[3] || 1 } };
  }

  function num(element, name) {
    const v = element.getAttribute(name);
    return v === null ? null : Number(v);
  }
  // An edge label's lines as drawn, each [words, x, y]: the <text>'s own words on its
  // baseline, then each <tspan>'s a `dy` lower (labels of several parts take two lines).
  function labelLines(t) {
    const x = num(t, 'x');
    let y = num(t, 'y');
    const lines = [];
    for (const n of t.childNodes) {
      if (n.nodeType === Node.TEXT_NODE) {
        if (n.nodeValue) lines.push([n.nodeValue, x, y]);
      } else if (n.nodeName === 'tspan') {
        y += num(n, 'dy') || 0;
        lines.push([n.textContent, x, y]);
      }
    }
    return lines;
  }
  function rectBox(rect) {
    return rect ? { x: num(rect, 'x'), y: num(rect, 'y'), w: num(rect, 'width'), h: num(rect, 'height') } : null;
  }
  function nodeBox(node) {
    if (!node.box) {
      const shape = node.el.querySelector('rect, path');
      if (shape && shape.tagName === 'rect') node.box = rectBox(shape);
      else { const b = node.el.getBBox(); node.box = { x: b.x, y: b.y, w: b.width, h: b.height }; }
    }
    return node.box;
  }
  function union(boxes) {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const b of boxes) {
      if (!b) continue;
      x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
      x1 = Math.max(x1, b.x + b.w); y1 = Math.max(y1, b.y + b.h);
    }
    return x0 === Infinity ? null : { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }

  /* ---------- Service names ---------- */

  // Service names are drawn on a layer of their own over the drawing, in place of its text:
  // never smaller than NAME_PX on screen however far the view is zoomed out (the drawing's
  // text scales with it). Where names would overlap on screen, the busiest services (requests
  // per second in and out) keep theirs, greedily; a hovered service shows its name whatever
  // its rank. Placed again in the next animation frame after any change of view.
  const NAME_PX = 11;
  const NAME_GAP = 1; // pixels kept clear around each name
  const NAME_CELL = 64; // the grid that finds overlapping names, in pixels
  // Where a name may stand, in the order tried: [column, row] from its service's box, column
  // -1 left of it, 0 across its middle, 1 right of it; row 0 across its middle, ±1 just above
  // or below it, ±2 one line further (as a map places a town's name beside its dot).
  const NAME_SPOTS = [[0, 0], [1, 0], [-1, 0], [0, -1], [0, 1], [1, -1], [-1, -1], [1, 1], [-1, 1],
    [0, -2], [0, 2], [1, -2], [-1, -2], [1, 2], [-1, 2], [0, -3], [0, 3], [1, -3], [-1, -3], [1, 3], [-1, 3],
    [0, -4], [0, 4], [1, -4], [-1, -4], [1, 4], [-1, 4]];
  const namesLayer = document.createElement('div');
  namesLayer.className = 'names';
  namesLayer.setAttribute('aria-hidden', 'true');
  stage.append(namesLayer);
  stage.classList.add('names-drawn');
  let names = null; // this drawing's names, busiest first (indexNames)
  const nameEls = new Map(); // service id -> element, for the names shown
  const hoverName = document.createElement('div');
  hoverName.className = 'name hover';
  let hoverNear = null; // while a service is hovered: it and its neighbours' ids
  let namesFrame = 0;
  let namesPass = { ms: 0, considered: 0, shown: 0, px: NAME_PX };

  function scheduleNames() {
    if (!namesFrame) namesFrame = requestAnimationFrame(placeNames);
  }
  function forgetNames() {
    names = null;
    for (const x of nameEls.values()) x.remove();
    nameEls.clear();
    hoverNear = null;
    scheduleNames();
  }

  // Each service's name as the drawing writes it, where it stands (the middle of its text),
  // its width per pixel of font size, and its traffic.
  function indexNames() {
    const context = document.createElement('canvas').getContext('2d');
    if (context) context.font = `100px ${getComputedStyle(namesLayer).fontFamily}`;
    const list = [];
    for (const node of model.nodes.values()) {
      const text = node.el.querySelector(':scope > text');
      if (!text) continue;
      const name = text.textContent;
      let weight = 0;
      for (const e of node.in) weight += edgeNumbers(e).rps || 0;
      for (const e of node.out) weight += edgeNumbers(e).rps || 0;
      // A box's size from its rect; a cylinder's (a path) about its name's, without getBBox,
      // which would force a layout and reads nothing in a collapsed namespace.
      const em = context ? context.measureText(name).width / 100 : 0.6 * name.length;
      const rect = node.el.querySelector(':scope > rect');
      list.push({
        node, name, weight, em, w: rect ? num(rect, 'width') : 12 * em + 20, h: rect ? num(rect, 'height') : 30,
        x: num(text, 'x'), y: num(text, 'y') - 4, // the middle of 12-unit text above its baseline
      });
    }
    list.sort((a, b) => b.weight - a.weight || (a.node.id < b.node.id ? -1 : a.node.id > b.node.id ? 1 : 0));
    return list;
  }

  function placeNames() {
    namesFrame = 0;
    const t0 = performance.now();
    if (!svg) return;
    if (!names) names = indexNames();
    const w = stage.clientWidth;
    const h = stage.clientHeight;
    const k = view.k;
    const px = Math.max(NAME_PX, 12 * k);
    const line = Math.ceil(px);
    const focusing = svg.classList.contains('focusing');
    // Screen rectangles [x0, y0, x1, y1] of the names placed, by the grid cells they touch.
    const grid = new Map();
    const shownNow = new Map();
    let considered = 0;
    for (const entry of names) {
      const sx = (entry.x - view.x) * k;
      const sy = (entry.y - view.y) * k;
      const half = (entry.em * px) / 2;
      const bw = (entry.w * k) / 2;
      const bh = (entry.h * k) / 2;
      const reach = Math.max(bw, half) + 2 * half + 4;
      if (sx + reach < 0 || sx - reach > w || sy + bh + 3 * line < 0 || sy - bh - 3 * line > h) continue;
      const classes = entry.node.el.classList;
      if (classes.contains('collapsed-member') || (focusing && !classes.contains('focused'))) continue;
      considered++;
      for (const [col, row] of NAME_SPOTS) {
        const x = sx + col * (bw + 2 + half);
        const y = row === 0 ? sy : sy + Math.sign(row) * (bh + 1 + line / 2 + (Math.abs(row) - 1) * (line + 2 * NAME_GAP));
        const x0 = x - half - NAME_GAP, y0 = y - line / 2 - NAME_GAP, x1 = x + half + NAME_GAP, y1 = y + line / 2 + NAME_GAP;
        // Whole on screen, or not at all.
        if (x0 < 0 || y0 < 0 || x1 > w || y1 > h || overlapsAny(grid, x0, y0, x1, y1)) continue;
        const r = [x0, y0, x1, y1];
        for (let gx = Math.floor(x0 / NAME_CELL); gx <= Math.floor(x1 / NAME_CELL); gx++) {
          for (let gy = Math.floor(y0 / NAME_CELL); gy <= Math.floor(y1 / NAME_CELL); gy++) {
            const key = gx * 65536 + gy;
            if (grid.has(key)) grid.get(key).push(r); else grid.set(key, [r]);
          }
        }
        shownNow.set(entry.node.id, [entry, x, y]);
        break;
      }
    }
    for (const [id, x] of nameEls) if (!shownNow.has(id)) { x.remove(); nameEls.delete(id); }
    namesLayer.style.fontSize = `${px}px`;
    namesLayer.style.lineHeight = `${line}px`;
    namesLayer.classList.toggle('veiled', hoverNear !== null);
    for (const [id, [entry, sx, sy]] of shownNow) {
      let x = nameEls.get(id);
      if (!x) {
        x = document.createElement('div');
        x.className = 'name kind-' + (entry.node.kind || 'service');
        x.textContent = entry.name;
        x.dataset.id = id;
        namesLayer.append(x);
        nameEls.set(id, x);
      }
      x.style.transform = `translate(${sx}px, ${sy}px) translate(-50%, -50%)`;
      x.classList.toggle('near', hoverNear !== null && hoverNear.has(id));
    }
    placeHoverName(px);
    hideCoveredEdgeLabels(grid);
    namesPass = { ms: performance.now() - t0, considered, shown: shownNow.size, px };
  }

  // The hovered service's name, above the others, whether or not its own is shown.
  function placeHoverName(px) {
    const id = hovered && hovered.classList.contains('node') ? hovered.getAttribute('data-id') : null;
    const entry = id !== null && names ? names.find((e) => e.node.id === id) : null;
    if (!entry) { hoverName.remove(); return; }
    hoverName.textContent = entry.name;
    hoverName.dataset.id = id;
    hoverName.style.transform = `translate(${(entry.x - view.x) * view.k}px, ${(entry.y - view.y) * view.k}px) translate(-50%, -50%)`;
    hoverName.style.fontSize = `${px}px`;
    if (hoverName.parentNode !== namesLayer) namesLayer.append(hoverName);
  }

  // Edge labels that a shown name would cover give way to it (they are hidden anyway when
  // too small to read). A class the page's stylesheet knows; an export leaves it out.
  function hideCoveredEdgeLabels(grid) {
    const readable = view.k >= EDGE_LABELS_READABLE;
    for (const e of model.edges) {
      if (e.text === undefined) {
        const t = e.el.querySelector(':scope > text');
        e.text = t ? { el: t } : null;
      }
      if (!e.text) continue;
      let covered = false;
      if (readable) {
        // The label's lines (10-unit text) as one box on the screen.
        const lines = labelLines(e.text.el);
        if (!lines.length) continue;
        const widest = Math.max(...lines.map((l) => l[0].length));
        const sx = (lines[0][1] - view.x) * view.k;
        const top = (lines[0][2] - 3.5 - view.y) * view.k;
        const bottom = (lines[lines.length - 1][2] - 3.5 - view.y) * view.k;
        const half = (widest * 5.5 * view.k) / 2;
        const up = 6 * view.k;
        const r = [sx - half, top - up, sx + half, bottom + up];
        const w = stage.clientWidth, h = stage.clientHeight;
        if (r[2] > 0 && r[0] < w && r[3] > 0 && r[1] < h) {
          covered = overlapsAny(grid, r[0], r[1], r[2], r[3]);
        }
      }
      if (covered !== e.text.el.classList.contains('under-name')) e.text.el.classList.toggle('under-name', covered);
    }
  }
  // Whether the rectangle x0 y0 x1 y1 overlaps one in the grid.
  function overlapsAny(grid, x0, y0, x1, y1) {
    for (let gx = Math.floor(x0 / NAME_CELL); gx <= Math.floor(x1 / NAME_CELL); gx++) {
      for (let gy = Math.floor(y0 / NAME_CELL); gy <= Math.floor(y1 / NAME_CELL); gy++) {
        const list = grid.get(gx * 65536 + gy);
        if (!list) continue;
        for (const o of list) if (x0 < o[2] && o[0] < x1 && y0 < o[3] && o[1] < y1) return true;
      }
    }
    return false;
  }

  /* ---------- A compact drawing while edge labels cannot be read ---------- */

  // Edge labels have rows of their own in the layout. Where the whole graph at fit puts them
  // below a readable size they are hidden, and their rows only spread the services apart (a
  // 300-service drawing three times as tall, its names crowded into a strip). There the page
  // shows the engine's drawing without them (`svcgraph render --edge-labels never`) while
  // zoomed out, and the drawing as written once zoomed in to where its labels can be read;
  // the service nearest the middle of the view keeps its place on screen across the swap.
  const COMPACT_BELOW = 0.5; // back to the compact drawing below this scale
  let labelledSvg = null;
  let compactSvg = null;
  let compactText = ''; // that drawing as the engine wrote it
  let swapping = false;

  function fitScale(bounds) {
    const pad = 48;
    return Math.min((stage.clientWidth - pad) / Math.max(bounds.w, 1), (stage.clientHeight - pad) / Math.max(bounds.h, 1));
  }
  // Called once the engine has loaded, on a page drawn in full (not an overview, not live).
  function prepareCompact() {
    if (!engine || live || config.overview || state.focus || !svg || compactSvg) return;
    if (!svg.querySelector('g.edges > g.edge > text') || fitScale(model.bounds) >= EDGE_LABELS_READABLE) return;
    let drawn;
    try { drawn = engine.draw(graphText, Object.assign({}, config.draw || {}, { edge_labels: 'never' })); } catch (e) { return; }
    const next = drawn && drawn.svg ? parseSvg(drawn.svg) : null;
    if (!next) return;
    labelledSvg = svg;
    compactSvg = next;
    compactText = drawn.svg;
    const wasFit = view.k <= fitScale(model.bounds) * 1.001;
    showDrawing(compactSvg);
    if (fitScale(model.bounds) >= COMPACT_BELOW) { showDrawing(labelledSvg); compactSvg = null; labelledSvg = null; }
    if (wasFit || state.fit) fit(); else applyView();
  }
  // Another drawing of the same services, with the view's state applied to it.
  function showDrawing(next) {
    swapDrawing(next);
    applyCollapsed();
    applyLabels();
    search(state.q, false);
  }
  function swapKeepingPlace(next) {
    const w = stage.clientWidth, h = stage.clientHeight;
    const cx = view.x + w / 2 / view.k, cy = view.y + h / 2 / view.k;
    let best = null, nearest = Infinity;
    for (const n of model.nodes.values()) {
      const b = nodeBox(n);
      const d = (b.x + b.w / 2 - cx) ** 2 + (b.y + b.h / 2 - cy) ** 2;
      if (d < nearest) { nearest = d; best = n; }
    }
    const from = best ? nodeBox(best) : null;
    swapping = true;
    try { showDrawing(next); } finally { swapping = false; }
    const to = best ? model.nodes.get(best.id) : null;
    if (from && to) {
      const b = nodeBox(to);
      view.x += b.x + b.w / 2 - (from.x + from.w / 2);
      view.y += b.y + b.h / 2 - (from.y + from.h / 2);
    }
    swapping = true;
    try { applyView(); } finally { swapping = false; }
    if (!hovered) showDefaultPanel();
  }

  /* ---------- Big drawings on a canvas ---------- */

  // A drawing of more services and calls than this is painted on a canvas instead of shown as
  // SVG: each pan or zoom of an SVG in the page restyles and repaints all of its elements
  // (a second per step at 5,000 services). The SVG stays in the page, hidden and never moved:
  // the view's state lives on its elements as on a small drawing (classes, the hover overlay,
  // the names, an export), and the canvas paints from geometry read from it once. Zoomed out,
  // the canvas shows a bitmap of the whole drawing painted once; zoomed in, tiles painted at
  // the view's scale and kept (paintTiles), the thin details (arrowheads, edge labels) left
  // out while too small to see.
  const CANVAS_ABOVE = 4000; // services + calls
  // The whole-drawing bitmap: at most this many pixels (4 bytes each), and no side longer
  // than a canvas may be.
  const CACHE_AREA = 24e6;
  const CACHE_SIDE = 32000;
  const canvas = document.createElement('canvas');
  canvas.className = 'drawing';
  canvas.hidden = true;
  overlay.before(canvas);
  const painter = canvas.getContext('2d');
  const sceneOf = new WeakMap(); // drawing -> its scene (readScene)
  let scene = null; // the scene painted, while the drawing is on the canvas
  let paintFrame = 0;
  let paintPass = { ms: 0, cached: false, edges: 0, tiles: 0, missing: 0 };
  const TILE = 256; // device pixels
  const TILE_STEP = Math.SQRT2;
  const TILE_KEEP = 192; // 48 MB of tiles
  const TILE_BUDGET = 8; // ms into an animation frame until which tiles may be painted
  const TILE_WAIT = 50; // ms without a tile painted, at most, while tiles are missing
  const tilePool = [];
  const tileProbe = document.createElement('canvas').getContext('2d');
  let tileCost = 0; // ms per tile, lately
  const tileCosts = [];
  let tileIdle = 0;
  let tileLast = 0; // when a tile was last painted
  const watcher = typeof MutationObserver === 'function' ? new MutationObserver(drawingChanged) : null;
  // Classes that hide elements: the bitmap is painted again when they change. Highlights are
  // painted over it in every frame.
  const HIDING = ['collapsed-member', 'collapsed-inside', 'focused', 'focusing'];

  function scheduleCanvas() {
    if (scene && !paintFrame) paintFrame = requestAnimationFrame(paintCanvas);
  }

  // Puts the drawing shown on the canvas when it is big, or back to SVG.
  function useCanvas() {
    if (watcher) watcher.disconnect();
    if (scene) forgetPaint(); // its tiles back to the pool
    scene = null;
    const big = svg && model.nodes.size + model.edges.length > CANVAS_ABOVE && painter;
    stage.classList.toggle('canvas-drawn', Boolean(big));
    canvas.hidden = !big;
    if (!big) return;
    scene = sceneOf.get(svg) || readScene();
    sceneOf.set(svg, scene);
    scene.hidden = null;
    forgetPaint();
    scene.marks = null;
    if (watcher) watcher.observe(svg, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'], attributeOldValue: true });
    scheduleCanvas();
    // The grids the tiles need, ready before the first zoom past the bitmap.
    const shown = scene;
    const later = typeof requestIdleCallback === 'function' ? requestIdleCallback : (f) => setTimeout(f, 50);
    later(() => { if (scene === shown) sceneGrids(); });
  }

  // What was painted of the scene (the bitmap, the tiles) no longer shows it.
  function forgetPaint() {
    scene.cache = null;
    if (scene.tiles) for (const t of scene.tiles.values()) tilePool.push(t.canvas);
    tilePool.length = Math.min(tilePool.length, TILE_KEEP);
    scene.tiles = new Map();
    scene.want = null;
  }

  function drawingChanged(records) {
    if (!scene) return;
    for (const r of records) {
      if (r.type === 'childList') {
        if (r.target === svg) { scene.hidden = null; forgetPaint(); }
        continue;
      }
      const before = new Set((r.oldValue || '').split(/\s+/));
      const after = new Set(r.target.classList);
      const changed = [...before].filter((c) => !after.has(c)).concat([...after].filter((c) => !before.has(c)));
      if (changed.some((c) => HIDING.includes(c))) { scene.hidden = null; forgetPaint(); }
      scene.marks = null;
    }
    scheduleCanvas();
  }

  // Every number of an SVG path's data, as [x0, y0, x1, y1] of its points (the drawing
  // writes absolute M, L, C and Z only, so control points bound the curve).
  function pathBounds(d) {
    const v = (d.match(/-?[\d.]+(?:e-?\d+)?/gi) || []).map(Number);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i + 1 < v.length; i += 2) {
      x0 = Math.min(x0, v[i]); x1 = Math.max(x1, v[i]); y0 = Math.min(y0, v[i + 1]); y1 = Math.max(y1, v[i + 1]);
    }
    return x0 === Infinity ? [0, 0, 0, 0] : [x0, y0, x1, y1];
  }
  const TRANSIENT = /\s*\b(match|current|picked|focused|focus-root|entering|gliding|leaving|collapsed-member|collapsed-inside|under-name)\b/g;

  // The drawing's geometry and paint, read once: nodes and edges grouped by their look, each
  // with its bounds, in typed arrays that culling scans.
  function readScene() {
    const looks = new Map();
    const lookOf = (el, shape) => {
      const key = (el.getAttribute('class') || '').replace(TRANSIENT, '') + ' ' + shape.tagName + ' ' + (shape.getAttribute('class') || '');
      let look = looks.get(key);
      if (!look) {
        const cs = getComputedStyle(shape);
        const dash = cs.strokeDasharray && cs.strokeDasharray !== 'none' ? cs.strokeDasharray.split(/[\s,]+/).map(parseFloat).filter(Number.isFinite) : [];
        look = { fill: cs.fill, stroke: cs.stroke, width: parseFloat(cs.strokeWidth) || 1, dash, items: [] };
        looks.set(key, look);
      }
      return look;
    };
    const nodes = [];
    for (const n of model.nodes.values()) {
      const shape = n.el.querySelector(':scope > rect, :scope > path');
      if (!shape) continue;
      const b = nodeBox(n);
      const item = { node: n, el: n.el, shape, box: [b.x, b.y, b.x + b.w, b.y + b.h], rx: num(shape, 'rx') || 0 };
      if (shape.tagName === 'path') item.path = new Path2D(shape.getAttribute('d') || '');
      item.look = lookOf(n.el, shape);
      item.look.items.push(item);
      nodes.push(item);
    }
    const edges = [];
    for (const e of model.edges) {
      const line = e.el.querySelector(':scope > path.line');
      if (!line) continue;
      const d = line.getAttribute('d') || '';
      const head = e.el.querySelector(':scope > path.head');
      const item = {
        edge: e, el: e.el, line, path: new Path2D(d), box: pathBounds(d), width: num(line, 'stroke-width') || 1,
        head: head ? new Path2D(head.getAttribute('d') || '') : null, headBox: head ? pathBounds(head.getAttribute('d') || '') : null,
        text: e.el.querySelector(':scope > text'),
      };
      item.look = lookOf(e.el, line);
      item.headFill = head ? getComputedStyle(head).fill : item.look.stroke;
      item.look.items.push(item);
      edges.push(item);
    }
    const groups = [];
    for (const [ns, g] of model.groups) {
      const rect = g.el.querySelector('rect');
      const text = g.el.querySelector('text');
      if (!rect || !g.box) continue;
      groups.push({ ns, el: g.el, box: g.box, rx: num(rect, 'rx') || 0, look: lookOf(g.el, rect), text, tx: text ? num(text, 'x') : 0, ty: text ? num(text, 'y') : 0 });
    }
    nodes.forEach((it, i) => { it.index = i; });
    edges.forEach((it, i) => { it.index = i; });
    // Each call's line cut at its points into straight and curved pieces, each with its
    // bounds: a view paints the pieces in it only (a long call stroked whole costs its whole
    // length, however little of it shows). Round caps join the pieces as the line's own.
    const colours = new Map();
    const pieces = [];
    for (const it of edges) {
      if (!colours.has(it.look.stroke)) colours.set(it.look.stroke, colours.size);
      it.colour = colours.get(it.look.stroke);
      const parts = (it.line.getAttribute('d') || '').match(/[MLCZ]|-?[\d.]+(?:e-?\d+)?/gi) || [];
      let x = 0, y = 0, op = 'M';
      for (let i = 0; i < parts.length;) {
        if (/^[MLCZ]$/i.test(parts[i])) { op = parts[i++].toUpperCase(); if (op === 'Z') continue; }
        const take = op === 'C' ? 6 : 2;
        const v = parts.slice(i, i + take).map(Number);
        i += take;
        if (v.length < take || v.some((n) => !Number.isFinite(n))) break;
        if (op === 'M') { [x, y] = v; op = 'L'; continue; }
        const xs = [x, v[0], v[2], v[4]].filter((n) => n !== undefined);
        const ys = [y, v[1], v[3], v[5]].filter((n) => n !== undefined);
        pieces.push([it.index, op === 'C' ? 1 : 0, x, y, ...v, ...(op === 'C' ? [] : [0, 0, 0, 0]),
          Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
        x = v[take - 2]; y = v[take - 1];
      }
    }
    const piece = { edge: new Uint32Array(pieces.length), curve: new Uint8Array(pieces.length), at: new Float64Array(pieces.length * 8), box: new Float64Array(pieces.length * 4) };
    pieces.forEach((p, i) => {
      piece.edge[i] = p[0]; piece.curve[i] = p[1];
      piece.at.set(p.slice(2, 10), i * 8); piece.box.set(p.slice(10, 14), i * 4);
    });
    const box = (list) => { const a = new Float64Array(list.length * 4); list.forEach((it, i) => a.set(it.box, i * 4)); return a; };
    const headBoxes = new Float64Array(edges.length * 4);
    edges.forEach((it, i) => { if (it.headBox) headBoxes.set(it.headBox, i * 4); else headBoxes.set([Infinity, Infinity, -Infinity, -Infinity], i * 4); });
    return { nodes, edges, groups, nodeBoxes: box(nodes), edgeBoxes: box(edges), headBoxes, nodeLooks: [...new Set(nodes.map((it) => it.look))], piece, hidden: null, cache: null, marks: null, grids: null, tiles: new Map(), want: null };
  }

  // Boxes ([x0, y0, x1, y1, ...]) by the cells of a coarse grid over the drawing, each in every
  // cell it meets (compressed rows: the boxes of cell c are items[start[c]..start[c + 1]]), so
  // that a part of the drawing reads the boxes near it rather than all of them.
  function gridOf(boxes) {
    const b = model.bounds;
    const cell = Math.max(1, Math.sqrt(Math.max(1, b.w * b.h) / 4096));
    const cols = Math.max(1, Math.ceil(b.w / cell)), rows = Math.max(1, Math.ceil(b.h / cell));
    const n = boxes.length / 4;
    const col = (x) => Math.min(cols - 1, Math.max(0, Math.floor((x - b.x) / cell)));
    const row = (y) => Math.min(rows - 1, Math.max(0, Math.floor((y - b.y) / cell)));
    // Each box's cells, [c0, r0, c1, r1]; an edge without an arrowhead has none.
    const span = new Int32Array(n * 4);
    const start = new Uint32Array(cols * rows + 1);
    for (let i = 0; i < n; i++) {
      const j = i * 4;
      if (!(boxes[j] <= boxes[j + 2])) { span.set([0, 0, -1, -1], j); continue; }
      span[j] = col(boxes[j]); span[j + 1] = row(boxes[j + 1]); span[j + 2] = col(boxes[j + 2]); span[j + 3] = row(boxes[j + 3]);
      for (let r = span[j + 1]; r <= span[j + 3]; r++) for (let c = span[j]; c <= span[j + 2]; c++) start[r * cols + c + 1]++;
    }
    for (let c = 0; c < cols * rows; c++) start[c + 1] += start[c];
    const items = new Uint32Array(start[cols * rows]);
    const fill = start.slice(0, cols * rows);
    for (let i = 0; i < n; i++) {
      const j = i * 4;
      for (let r = span[j + 1]; r <= span[j + 3]; r++) for (let c = span[j]; c <= span[j + 2]; c++) items[fill[r * cols + c]++] = i;
    }
    return { col, row, cols, start, items, seen: new Uint32Array(n), stamp: 0 };
  }
  // The indices of the grid's boxes in cells meeting [x0, y0, x1, y1], each once, ascending.
  function gridQuery(grid, x0, y0, x1, y1) {
    if (++grid.stamp === 0xffffffff) { grid.seen.fill(0); grid.stamp = 1; }
    const out = [];
    const c0 = grid.col(x0), c1 = grid.col(x1), r1 = grid.row(y1);
    for (let r = grid.row(y0); r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * grid.cols + c;
        for (let j = grid.start[cell]; j < grid.start[cell + 1]; j++) {
          const i = grid.items[j];
          if (grid.seen[i] !== grid.stamp) { grid.seen[i] = grid.stamp; out.push(i); }
        }
      }
    }
    return out.sort((a, b) => a - b);
  }
  function sceneGrids() {
    if (!scene.grids) scene.grids = { pieces: gridOf(scene.piece.box), nodes: gridOf(scene.nodeBoxes), heads: gridOf(scene.headBoxes) };
    return scene.grids;
  }

  // Which nodes and edges are hidden (collapsed, out of a focus), and what is highlighted.
  function readHidden() {
    const focusing = svg.classList.contains('focusing');
    const hides = (el) => el.classList.contains('collapsed-member') || el.classList.contains('collapsed-inside') ||
      (focusing && !el.classList.contains('focused'));
    scene.hidden = { nodes: new Uint8Array(scene.nodes.length), edges: new Uint8Array(scene.edges.length), groups: scene.groups.map((g) => focusing && !g.el.classList.contains('focused')) };
    scene.nodes.forEach((it, i) => { scene.hidden.nodes[i] = hides(it.el) ? 1 : 0; });
    scene.edges.forEach((it, i) => { scene.hidden.edges[i] = hides(it.el) ? 1 : 0; });
    const layer = svg.querySelector(':scope > g.collapsed-layer');
    scene.boxes = layer ? [...layer.querySelectorAll('g.collapsed-box')].map((g) => {
      const r = g.querySelector('rect');
      return { el: g, x: num(r, 'x'), y: num(r, 'y'), w: num(r, 'width'), h: num(r, 'height'), texts: [...g.querySelectorAll('text')] };
    }) : [];
    const passing = new Set([...svg.querySelectorAll(':scope > g.passing-layer > g.edge')].map(original));
    scene.passing = scene.edges.filter((it) => passing.has(it.el));
  }

  // Thin rectangles (x, y, w, h, ...) filled, on whole device pixels (a rectangle on whole
  // pixels fills without antialiasing, each pixel once): the upright ones that fall in the
  // same pixel column and overlap are filled as one, since calls side by side in a far view
  // share columns, and each filled alone would paint the same pixels again. For the whole
  // drawing (`whole`: its bitmap, painted once) they are hundreds of thousands: one path.
  function fillBars(ctx, r, whole) {
    if (whole) {
      const path = new Path2D();
      for (let j = 0; j < r.length; j += 4) path.rect(r[j], r[j + 1], r[j + 2], r[j + 3]);
      ctx.fill(path);
      return;
    }
    const m = ctx.getTransform();
    const upright = [];
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    for (let j = 0; j < r.length; j += 4) {
      const x0 = Math.round(m.a * r[j] + m.e), y0 = Math.round(m.d * r[j + 1] + m.f);
      const x1 = Math.max(x0 + 1, Math.round(m.a * (r[j] + r[j + 2]) + m.e));
      const y1 = Math.max(y0 + 1, Math.round(m.d * (r[j + 1] + r[j + 3]) + m.f));
      if (x1 - x0 === 1) upright.push(x0, y0, y1); else ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    }
    const order = Array.from({ length: upright.length / 3 }, (_, i) => i * 3)
      .sort((a, b) => upright[a] - upright[b] || upright[a + 1] - upright[b + 1]);
    let col = NaN, top = 0, bottom = 0;
    for (const at of order) {
      const [x, y0, y1] = [upright[at], upright[at + 1], upright[at + 2]];
      if (x === col && y0 <= bottom) { bottom = Math.max(bottom, y1); continue; }
      if (col === col) ctx.fillRect(col, top, 1, bottom - top);
      col = x; top = y0; bottom = y1;
    }
    if (col === col) ctx.fillRect(col, top, 1, bottom - top);
    ctx.restore();
  }
  // The part [t0, t1] of the line from a to b inside the box (t0 > t1: none), Liang-Barsky.
  function clipLine(ax, ay, bx, by, x0, y0, x1, y1) {
    let t0 = 0, t1 = 1;
    const dx = bx - ax, dy = by - ay;
    for (const [p, q] of [[-dx, ax - x0], [dx, x1 - ax], [-dy, ay - y0], [dy, y1 - ay]]) {
      if (p === 0) { if (q < 0) return [1, 0]; continue; }
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r); else t1 = Math.min(t1, r);
    }
    return [t0, t1];
  }
  function traceRect(ctx, x, y, w, h, r) {
    if (r > 0 && ctx.roundRect) ctx.roundRect(x, y, w, h, Math.min(r, w / 2, h / 2)); else ctx.rect(x, y, w, h);
  }
  const dashed = (ctx, dash, scale) => ctx.setLineDash(dash.length ? dash.map((v) => v * scale) : []);

  // The drawing in world units onto `ctx` (its transform set), at scale k (pixels per unit),
  // what meets [x0, y0, x1, y1] only; `whole` for the whole drawing's bitmap.
  function paintWorld(ctx, k, x0, y0, x1, y1, whole) {
    const meets = (b, i) => b[i] <= x1 && b[i + 2] >= x0 && b[i + 1] <= y1 && b[i + 3] >= y0;
    const hid = scene.hidden;
    ctx.lineJoin = 'round';
    // Part of the drawing (a tile): the pieces, arrowheads and services near it, from the grids.
    const grids = whole ? null : sceneGrids();
    scene.groups.forEach((g, i) => {
      if (hid.groups[i] || g.box.x > x1 || g.box.x + g.box.w < x0 || g.box.y > y1 || g.box.y + g.box.h < y0) return;
      ctx.beginPath();
      traceRect(ctx, g.box.x, g.box.y, g.box.w, g.box.h, g.rx);
      ctx.fillStyle = g.look.fill; ctx.fill();
      ctx.lineWidth = g.look.width; ctx.strokeStyle = g.look.stroke; ctx.stroke();
    });
    // Calls, one stroke per look and width; arrowheads once they are a few pixels long.
    const heads = k >= 0.25;
    let painted = 0;
    const strokeEdges = (only) => {
      // One path per colour and width on screen (to a quarter pixel): calls' widths follow
      // their traffic, and a stroke per exact width would be hundreds of strokes per tile.
      const sets = new Map();
      const setOf = (it) => {
        // Never thinner than a pixel on screen, so a far view still shows every call.
        const lw = Math.max(it.width, 0.8 / k);
        const bin = Math.max(1, Math.round(lw * k * 4));
        const key = it.colour * 4096 + Math.min(bin, 4095);
        let set = sets.get(key);
        if (!set) { set = { colour: it.look.stroke, width: bin / 4 / k, lines: new Path2D(), bars: [] }; sets.set(key, set); }
        return set;
      };
      const tips = new Map(); // fill -> the arrowheads' path
      const { edge, curve, at, box } = scene.piece;
      const margin = 10 / k;
      const near = grids && !only ? gridQuery(grids.pieces, x0, y0, x1, y1) : null;
      for (let j = 0, count = near ? near.length : edge.length; j < count; j++) {
        const i = near ? near[j] : j;
        const e = edge[i];
        if (hid.edges[e] || (only && !only.has(e)) || !meets(box, i * 4)) continue;
        const it = scene.edges[e];
        const a = i * 8;
        if (curve[i] && (box[i * 4 + 2] - box[i * 4]) * k < 2 && (box[i * 4 + 3] - box[i * 4 + 1]) * k < 2) {
          // A bend a pixel or two across: its chord.
          const set = setOf(it);
          set.lines.moveTo(at[a], at[a + 1]);
          set.lines.lineTo(at[a + 6], at[a + 7]);
          continue;
        }
        if (curve[i]) {
          const set = setOf(it);
          set.lines.moveTo(at[a], at[a + 1]);
          set.lines.bezierCurveTo(at[a + 2], at[a + 3], at[a + 4], at[a + 5], at[a + 6], at[a + 7]);
          continue;
        }
        // A straight piece cut to the view: calls run straight across whole layers, and a
        // line stroked (or dashed) is stroked whole before anything is left out.
        const [ax, ay, bx, by] = [at[a], at[a + 1], at[a + 2], at[a + 3]];
        const [t0, t1] = clipLine(ax, ay, bx, by, x0 - margin, y0 - margin, x1 + margin, y1 + margin);
        if (t0 > t1) continue;
        const dx = bx - ax, dy = by - ay;
        // Dashes under a couple of pixels are a solid line (and would be millions of them).
        if (it.look.dash.length && it.look.dash.reduce((x, y) => x + y, 0) * k >= 2) {
          // The dashes keep their places as the view moves: from the piece's start.
          ctx.lineWidth = Math.max(it.width, 0.8 / k); ctx.strokeStyle = it.look.stroke; ctx.lineCap = 'round';
          ctx.setLineDash(it.look.dash);
          ctx.lineDashOffset = -t0 * Math.hypot(dx, dy);
          ctx.beginPath(); ctx.moveTo(ax + t0 * dx, ay + t0 * dy); ctx.lineTo(ax + t1 * dx, ay + t1 * dy); ctx.stroke();
          ctx.setLineDash([]); ctx.lineDashOffset = 0;
          continue;
        }
        const px = ax + t0 * dx, py = ay + t0 * dy, qx = ax + t1 * dx, qy = ay + t1 * dy;
        const set = setOf(it);
        // Lines upright or level to within half a pixel, as thin rectangles (x, y, w, h): each
        // filled is a fraction of the cost of a stroke, and a far view is mostly such lines.
        // Steep or flat ones drift across: a staircase of rectangles, a step per pixel drifted
        // over the whole piece (so that the tiles it crosses agree), those in view only. The
        // long calls between layers are mostly such lines. Not in the whole drawing's bitmap,
        // whose rectangles are one path: its staircases made it 20 times slower to fill.
        const lw = set.width;
        const across = Math.abs(dx) * k, along = Math.abs(dy) * k;
        if (Math.abs(qx - px) * k < 0.5) {
          set.bars.push((px + qx - lw) / 2, Math.min(py, qy) - lw / 2, lw, Math.abs(qy - py) + lw);
        } else if (Math.abs(qy - py) * k < 0.5) {
          set.bars.push(Math.min(px, qx) - lw / 2, (py + qy - lw) / 2, Math.abs(qx - px) + lw, lw);
        } else if (!whole && (along >= 8 * across || across >= 8 * along)) {
          const steep = along >= across;
          const m = Math.ceil(steep ? across : along) + 1;
          for (let u = Math.floor(t0 * m), last = Math.min(m, Math.ceil(t1 * m)); u < last; u++) {
            const xa = ax + (u / m) * dx, ya = ay + (u / m) * dy, xm = ax + ((u + 0.5) / m) * dx, ym = ay + ((u + 0.5) / m) * dy;
            if (steep) set.bars.push(xm - lw / 2, Math.min(ya, ya + dy / m) - lw / 2, lw, Math.abs(dy / m) + lw);
            else set.bars.push(Math.min(xa, xa + dx / m) - lw / 2, ym - lw / 2, Math.abs(dx / m) + lw, lw);
          }
        } else {
          set.lines.moveTo(px, py);
          set.lines.lineTo(qx, qy);
        }
      }
      const withHeads = !heads ? [] : grids && !only ? gridQuery(grids.heads, x0, y0, x1, y1).map((i) => scene.edges[i]) : scene.edges;
      for (const it of withHeads) {
        if (!it.head || hid.edges[it.index] || (only && !only.has(it.index))) continue;
        const b = it.headBox;
        if (b[0] > x1 || b[2] < x0 || b[1] > y1 || b[3] < y0) continue;
        if (!tips.has(it.headFill)) tips.set(it.headFill, new Path2D());
        tips.get(it.headFill).addPath(it.head);
        painted++;
      }
      // Far out, caps are less than a pixel: plain ends stroke faster.
      ctx.lineCap = k < 0.1 ? 'butt' : 'round';
      for (const set of sets.values()) {
        ctx.lineWidth = set.width;
        ctx.strokeStyle = set.colour;
        ctx.stroke(set.lines);
        ctx.fillStyle = set.colour;
        fillBars(ctx, set.bars, whole);
      }
      for (const [fill, path] of tips) { ctx.fillStyle = fill; ctx.fill(path); }
      ctx.setLineDash([]);
    };
    strokeEdges(null);
    // Services, one path per look.
    const nb = scene.nodeBoxes;
    const nearNodes = grids ? new Set(gridQuery(grids.nodes, x0, y0, x1, y1)) : null;
    for (const look of scene.nodeLooks) {
      const shapes = new Path2D();
      let any = false;
      for (const it of look.items) {
        if (hid.nodes[it.index] || (nearNodes && !nearNodes.has(it.index)) || !meets(nb, it.index * 4)) continue;
        if (it.path) shapes.addPath(it.path); else traceRect(shapes, it.box[0], it.box[1], it.box[2] - it.box[0], it.box[3] - it.box[1], it.rx);
        any = true;
      }
      if (!any) continue;
      ctx.fillStyle = look.fill; ctx.fill(shapes);
      ctx.lineWidth = Math.max(look.width, 0.5 / k); ctx.strokeStyle = look.stroke;
      dashed(ctx, look.dash, 1);
      ctx.stroke(shapes);
      ctx.setLineDash([]);
    }
    // Collapsed namespaces, and the calls that pass under them drawn again over them.
    for (const b of scene.boxes) {
      if (b.x > x1 || b.x + b.w < x0 || b.y > y1 || b.y + b.h < y0) continue;
      ctx.beginPath(); traceRect(ctx, b.x, b.y, b.w, b.h, 8);
      ctx.fillStyle = '#dde7f7'; ctx.fill(); ctx.lineWidth = 2; ctx.strokeStyle = '#3b6db3'; ctx.stroke();
    }
    if (scene.passing.length) strokeEdges(new Set(scene.passing.map((it) => it.index)));
    paintPass.edges = painted;
  }

  // Text and highlights, over the drawing, in every frame: namespace names and collapsed
  // boxes' words when readable, edge labels when readable, matches and the focus's root.
  function paintMarks(ctx, k, x0, y0, x1, y1) {
    const family = getComputedStyle(namesLayer).fontFamily;
    if (k >= FAR) {
      ctx.font = `600 11px ${family}`;
      ctx.fillStyle = '#5b6b80';
      ctx.textAlign = 'left';
      scene.groups.forEach((g, i) => { if (g.text && !scene.hidden.groups[i] && !state.collapsed.has(g.ns)) ctx.fillText(g.text.textContent, g.tx, g.ty); });
      ctx.textAlign = 'center';
      for (const b of scene.boxes) {
        const [name, sub] = b.texts;
        if (name) { ctx.font = `600 13px ${family}`; ctx.fillStyle = '#1f2937'; ctx.fillText(name.textContent, num(name, 'x'), num(name, 'y')); }
        if (sub) { ctx.font = `11px ${family}`; ctx.fillStyle = '#4b5563'; ctx.fillText(sub.textContent, num(sub, 'x'), num(sub, 'y')); }
      }
    }
    if (k >= EDGE_LABELS_READABLE) {
      ctx.font = `10px ${family}`;
      ctx.textAlign = 'center';
      ctx.lineWidth = 3; ctx.strokeStyle = '#ffffff'; ctx.lineJoin = 'round';
      const eb = scene.edgeBoxes;
      scene.edges.forEach((it, i) => {
        if (!it.text || scene.hidden.edges[i] || it.text.classList.contains('under-name')) return;
        const x = num(it.text, 'x'), y = num(it.text, 'y');
        if (x < x0 - 200 || x > x1 + 200 || y < y0 - 20 || y > y1 + 20 || eb[i * 4] > x1) return;
        ctx.fillStyle = it.headFill;
        for (const [words, lx, ly] of labelLines(it.text)) {
          ctx.strokeText(words, lx, ly);
          ctx.fillText(words, lx, ly);
        }
      });
    }
    if (!scene.marks) {
      scene.marks = [...svg.querySelectorAll(':scope > g.nodes > g.node.match, :scope > g.nodes > g.node.current, :scope > g.nodes > g.node.picked, :scope > g.nodes > g.node.focus-root')]
        .map((el) => scene.nodes.find((it) => it.el === el)).filter(Boolean);
    }
    for (const it of scene.marks) {
      if (scene.hidden.nodes[it.index]) continue;
      const c = it.el.classList;
      ctx.beginPath();
      traceRect(ctx, it.box[0], it.box[1], it.box[2] - it.box[0], it.box[3] - it.box[1], it.rx);
      if (c.contains('current')) { ctx.fillStyle = '#ffe8cc'; ctx.fill(); }
      ctx.strokeStyle = c.contains('focus-root') ? '#7c3aed' : '#d9480f';
      ctx.lineWidth = Math.max(c.contains('current') ? 3.5 : 2.5, 2 / k);
      ctx.stroke();
    }
  }

  function paintCanvas() {
    paintFrame = 0;
    if (!scene) return;
    const t0 = performance.now();
    if (!scene.hidden) readHidden();
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, stage.clientWidth), h = Math.max(1, stage.clientHeight);
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio);
    }
    const ctx = painter;
    const b = model.bounds;
    const k = view.k * ratio;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    // The whole drawing's bitmap, painted once, serves while it has pixels enough.
    const cacheK = Math.min(Math.sqrt(CACHE_AREA / (b.w * b.h)), CACHE_SIDE / b.w, CACHE_SIDE / b.h);
    const cached = k <= cacheK * 1.05;
    if (cached && !scene.cache) {
      const off = document.createElement('canvas');
      off.width = Math.ceil(b.w * cacheK); off.height = Math.ceil(b.h * cacheK);
      const oc = off.getContext('2d');
      oc.fillStyle = '#ffffff'; oc.fillRect(0, 0, off.width, off.height);
      oc.setTransform(cacheK, 0, 0, cacheK, -b.x * cacheK, -b.y * cacheK);
      paintWorld(oc, cacheK, b.x, b.y, b.x + b.w, b.y + b.h, true);
      scene.cache = { bitmap: off, k: cacheK };
    }
    const x0 = view.x, y0 = view.y, x1 = view.x + w / view.k, y1 = view.y + h / view.k;
    if (cached) {
      const s = k / scene.cache.k;
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'low';
      ctx.setTransform(s, 0, 0, s, (b.x - view.x) * k, (b.y - view.y) * k);
      ctx.drawImage(scene.cache.bitmap, 0, 0);
    }
    if (cached) scene.want = null;
    const tiles = cached ? null : paintTiles(ctx, k, ratio, x0, y0, x1, y1, t0);
    ctx.setTransform(k, 0, 0, k, -view.x * k, -view.y * k);
    paintMarks(ctx, view.k, x0, y0, x1, y1);
    paintPass = { ms: performance.now() - t0, cached, edges: cached ? 0 : paintPass.edges, tiles: tiles ? tiles.shown : 0, missing: tiles ? tiles.missing : 0, tileMs: tileCost };
  }

  // Zoomed in past the whole drawing's bitmap, the view is put together from tiles: squares of
  // TILE device pixels of the drawing at fixed scales √2 apart (the one at or just above the
  // view's, so a tile is never stretched), each painted once and kept (the TILE_KEEP last
  // used), so that a pan copies a few dozen tiles instead of painting thousands of calls. A
  // tile the view lacks is painted in the frame while TILE_BUDGET ms last, else in idle time
  // (the nearest first, then the ring around the view, ahead of a pan); meanwhile its square
  // shows what there is at other scales, stretched (after a zoom), or the bitmap.
  function tileLevel(k) { return Math.ceil(Math.log(k) / Math.log(TILE_STEP) - 1e-6); }
  const tileKey = (level, tx, ty) => level + ':' + tx + ':' + ty;
  function tileRange(level, x0, y0, x1, y1, ring) {
    const span = TILE / TILE_STEP ** level;
    return [Math.floor(x0 / span) - ring, Math.floor(y0 / span) - ring, Math.floor(x1 / span) + ring, Math.floor(y1 / span) + ring];
  }
  function paintTile(level, tx, ty, ratio) {
    sceneGrids(); // built once, not a tile's cost
    const t0 = performance.now();
    const tk = TILE_STEP ** level, span = TILE / tk;
    let c = tilePool.pop();
    if (!c) { c = document.createElement('canvas'); c.width = TILE; c.height = TILE; }
    const tc = c.getContext('2d');
    tc.setTransform(1, 0, 0, 1, 0, 0);
    tc.fillStyle = '#ffffff';
    tc.fillRect(0, 0, TILE, TILE);
    tc.setTransform(tk, 0, 0, tk, -tx * TILE, -ty * TILE);
    paintWorld(tc, tk / ratio, tx * span, ty * span, (tx + 1) * span, (ty + 1) * span);
    // Rastered now (copied onto a pixel of another canvas), not in the frame that shows it.
    tileProbe.drawImage(c, 0, 0, 1, 1, 0, 0, 1, 1);
    tileProbe.canvas.width = 1; // and the probe let go of it
    scene.tiles.set(tileKey(level, tx, ty), { canvas: c, level, tx, ty });
    for (const [key, t] of scene.tiles) {
      if (scene.tiles.size <= TILE_KEEP) break;
      scene.tiles.delete(key);
      tilePool.push(t.canvas);
    }
    // The median of the last few: one slow tile (a collection, a busy machine) must not stop
    // the tiles that follow from being painted in the time left in a frame.
    tileCosts.push(performance.now() - t0);
    if (tileCosts.length > 9) tileCosts.shift();
    tileCost = [...tileCosts].sort((a, b) => a - b)[tileCosts.length >> 1];
    tileLast = performance.now();
  }
  // The view's tiles at scale `k` (device pixels per unit) onto ctx; how many were shown and
  // how many are still missing.
  function paintTiles(ctx, k, ratio, x0, y0, x1, y1, t0) {
    const level = tileLevel(k), span = TILE / TILE_STEP ** level;
    const [ax, ay, bx, by] = tileRange(level, x0, y0, x1, y1, 0);
    const cx = (x0 + x1) / 2 / span, cy = (y0 + y1) / 2 / span;
    const near = (a, b) => Math.hypot(a[0] + 0.5 - cx, a[1] + 0.5 - cy) - Math.hypot(b[0] + 0.5 - cx, b[1] + 0.5 - cy);
    const missing = [];
    for (let ty = ay; ty <= by; ty++) for (let tx = ax; tx <= bx; tx++) if (!scene.tiles.has(tileKey(level, tx, ty))) missing.push([tx, ty]);
    missing.sort(near);
    // With nothing painted yet to stand in (the drawing just shown or changed), all at once.
    const fresh = !scene.cache && scene.tiles.size === 0;
    while (missing.length && (fresh || performance.now() - t0 + tileCost <= TILE_BUDGET)) paintTile(level, ...missing.shift(), ratio);
    // A square of the screen, on whole device pixels so that tiles meet without seams.
    const place = (lv, tx, ty) => {
      const s = TILE / TILE_STEP ** lv;
      const sx = Math.round((tx * s - view.x) * k), sy = Math.round((ty * s - view.y) * k);
      return [sx, sy, Math.round(((tx + 1) * s - view.x) * k) - sx, Math.round(((ty + 1) * s - view.y) * k) - sy];
    };
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'low';
    if (missing.length) {
      ctx.save();
      ctx.beginPath();
      for (const [tx, ty] of missing) ctx.rect(...place(level, tx, ty));
      ctx.clip();
      if (scene.cache) {
        const b = model.bounds, s = k / scene.cache.k;
        ctx.setTransform(s, 0, 0, s, (b.x - view.x) * k, (b.y - view.y) * k);
        ctx.drawImage(scene.cache.bitmap, 0, 0);
        ctx.setTransform(1, 0, 0, 1, 0, 0);
      }
      // Coarser scales first, then finer ones, the nearest last.
      for (const lv of [level - 6, level - 5, level - 4, level - 3, level - 2, level - 1, level + 2, level + 1]) {
        const [px, py, qx, qy] = tileRange(lv, x0, y0, x1, y1, 0);
        for (let ty = py; ty <= qy; ty++) {
          for (let tx = px; tx <= qx; tx++) {
            const t = scene.tiles.get(tileKey(lv, tx, ty));
            if (t) ctx.drawImage(t.canvas, ...place(lv, tx, ty));
          }
        }
      }
      ctx.restore();
    }
    for (let ty = ay; ty <= by; ty++) {
      for (let tx = ax; tx <= bx; tx++) {
        const key = tileKey(level, tx, ty);
        const t = scene.tiles.get(key);
        if (!t) continue;
        scene.tiles.delete(key); // the most recently used last
        scene.tiles.set(key, t);
        ctx.drawImage(t.canvas, ...place(level, tx, ty));
      }
    }
    scene.want = { level, x0, y0, x1, y1, ratio };
    scheduleTileWork();
    return { shown: (bx - ax + 1) * (by - ay + 1) - missing.length, missing: missing.length };
  }
  // Tiles painted in idle time: those the view lacks, then the ring around it.
  function scheduleTileWork() {
    if (tileIdle || !scene || !scene.want) return;
    tileIdle = typeof requestIdleCallback === 'function' ? requestIdleCallback(tileWork, { timeout: TILE_WAIT })
      : setTimeout(() => tileWork({ timeRemaining: () => 8, didTimeout: true }), 20);
  }
  function tileWork(deadline) {
    tileIdle = 0;
    if (!scene || !scene.want) return;
    const { level, x0, y0, x1, y1, ratio } = scene.want;
    const span = TILE / TILE_STEP ** level;
    const cx = (x0 + x1) / 2 / span, cy = (y0 + y1) / 2 / span;
    const todo = [];
    for (const ring of [0, 1]) {
      const [ax, ay, bx, by] = tileRange(level, x0, y0, x1, y1, ring);
      const more = [];
      for (let ty = ay; ty <= by; ty++) for (let tx = ax; tx <= bx; tx++) {
        if (!scene.tiles.has(tileKey(level, tx, ty)) && !todo.some((t) => t[0] === tx && t[1] === ty)) more.push([tx, ty, ring]);
      }
      more.sort((a, b) => Math.hypot(a[0] + 0.5 - cx, a[1] + 0.5 - cy) - Math.hypot(b[0] + 0.5 - cx, b[1] + 0.5 - cy));
      todo.push(...more);
    }
    let shown = false;
    // While the idle time lasts; one tile at least if none was painted for a while (a pan
    // that goes on leaves no idle time long enough for one).
    const starved = deadline.didTimeout || performance.now() - tileLast > TILE_WAIT;
    for (let done = 0; todo.length && ((done === 0 && starved) || deadline.timeRemaining() > tileCost); done++) {
      const [tx, ty, ring] = todo.shift();
      paintTile(level, tx, ty, ratio);
      if (ring === 0) shown = true;
    }
    if (shown) scheduleCanvas();
    if (todo.length) scheduleTileWork();
  }

  // What the canvas shows at a point of the stage (pixels from its top-left): an element of
  // the hidden drawing, as a pointer over the SVG would find it, or null.
  function pickAt(px, py) {
    if (!scene) return null;
    if (!scene.hidden) readHidden();
    const x = view.x + px / view.k, y = view.y + py / view.k;
    const slack = 3 / view.k;
    for (const b of scene.boxes) if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h) {
      const over = strokeAt(scene.passing, x, y, slack);
      return over ? over.line : b.el.querySelector('rect');
    }
    const nb = scene.nodeBoxes;
    // The box under the point, else the nearest within a few pixels of it.
    let best = null, nearest = Infinity;
    for (let i = 0; i < scene.nodes.length; i++) {
      if (scene.hidden.nodes[i]) continue;
      const dx = Math.max(nb[i * 4] - x, 0, x - nb[i * 4 + 2]), dy = Math.max(nb[i * 4 + 1] - y, 0, y - nb[i * 4 + 3]);
      const d = Math.hypot(dx, dy);
      if (d <= slack && d < nearest) { nearest = d; best = scene.nodes[i]; }
    }
    if (best) return best.shape;
    if (view.k >= FAR) {
      painter.font = `600 11px ${getComputedStyle(namesLayer).fontFamily}`;
      for (let i = 0; i < scene.groups.length; i++) {
        const g = scene.groups[i];
        if (!g.text || scene.hidden.groups[i]) continue;
        const tw = painter.measureText(g.text.textContent).width;
        if (x >= g.tx && x <= g.tx + tw && y >= g.ty - 11 && y <= g.ty + 3) return g.text;
      }
    }
    const shown = scene.edges.filter((it, i) => !scene.hidden.edges[i]);
    const edge = strokeAt(shown, x, y, slack);
    return edge ? edge.line : null;
  }
  // The topmost edge of `list` whose line passes within `slack` units of x y.
  function strokeAt(list, x, y, slack) {
    const ctx = painter;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    let found = null;
    for (let j = list.length - 1; j >= 0 && !found; j--) {
      const it = list[j];
      const b = it.box;
      if (x < b[0] - slack || x > b[2] + slack || y < b[1] - slack || y > b[3] + slack) continue;
      ctx.lineWidth = Math.max(it.width, 2 * slack);
      if (ctx.isPointInStroke(it.path, x, y)) found = it;
    }
    ctx.restore();
    return found;
  }

  /* ---------- Pan and zoom ---------- */

  function applyView() {
    if (!svg) return;
    if (compactSvg && !swapping && !state.focus) {
      if (svg === compactSvg && view.k >= EDGE_LABELS_READABLE) { swapKeepingPlace(labelledSvg); return; }
      if (svg === labelledSvg && view.k < COMPACT_BELOW) { swapKeepingPlace(compactSvg); return; }
    }
    const w = Math.max(1, stage.clientWidth);
    const h = Math.max(1, stage.clientHeight);
    const box = `${view.x} ${view.y} ${w / view.k} ${h / view.k}`;
    // A drawing on the canvas stays where it is, hidden: moving it would lay it out again.
    if (scene) scheduleCanvas(); else svg.setAttribute('viewBox', box);
    overlay.setAttribute('viewBox', box);
    // On the stage, not the drawing: an export keeps the drawing's own text. A drawing on the
    // canvas paints its own text, and its hidden SVG's is never seen: there they go on the
    // hover overlay only, since a class changed on the stage restyles every element of the
    // hidden drawing (0.1 s a time at 20,000 services, each time a zoom crosses a threshold).
    const [holder, other] = scene ? [overlay, stage] : [stage, overlay];
    holder.classList.toggle('far', view.k < FAR);
    holder.classList.toggle('small-labels', view.k < EDGE_LABELS_READABLE);
    other.classList.remove('far', 'small-labels');
    scheduleNames();
  }
  function fitTo(box, maxScale) {
    if (!box) return;
    const w = Math.max(1, stage.clientWidth);
    const h = Math.max(1, stage.clientHeight);
    const pad = 24;
    const k = Math.min((w - 2 * pad) / Math.max(box.w, 1), (h - 2 * pad) / Math.max(box.h, 1), maxScale || 2);
    view.k = Math.max(k, 0.005);
    view.x = box.x + box.w / 2 - w / 2 / view.k;
    view.y = box.y + box.h / 2 - h / 2 / view.k;
    applyView();
  }
  function fit() {
    if (compactSvg && svg === labelledSvg && !state.focus) showDrawing(compactSvg);
    if (state.focus && model.nodes.has(state.focus)) {
      fitTo(union([...model.nodes.values()].filter((n) => n.el.classList.contains('focused')).map(nodeBox)));
    } else {
      fitTo(model.bounds, 1.5);
    }
  }
  function zoomAt(px, py, factor) {
    const k = Math.min(40, Math.max(0.005, view.k * factor));
    view.x += px / view.k - px / k;
    view.y += py / view.k - py / k;
    view.k = k;
    applyView();
  }
  function userMoved() {
    if (state.fit) { state.fit = false; ui.alwaysFit.checked = false; writeHash(); }
  }

  stage.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const r = stage.getBoundingClientRect();
    const lines = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
    zoomAt(ev.clientX - r.left, ev.clientY - r.top, Math.exp(-ev.deltaY * lines * 0.0015));
    userMoved();
  }, { passive: false });

  let drag = null;
  let dragged = false;
  stage.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, id: ev.pointerId };
    dragged = false;
  });
  stage.addEventListener('pointermove', (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!dragged) { dragged = true; stage.classList.add('dragging'); stage.setPointerCapture(ev.pointerId); }
    view.x = drag.vx - dx / view.k;
    view.y = drag.vy - dy / view.k;
    applyView();
    userMoved();
  });
  const endDrag = () => { drag = null; stage.classList.remove('dragging'); };
  stage.addEventListener('pointerup', endDrag);
  stage.addEventListener('pointercancel', endDrag);

  document.addEventListener('keydown', (ev) => {
    const typing = ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement;
    if (ev.key === 'Escape') {
      if (ev.target === ui.search && ui.search.value) { ui.search.value = ''; search(''); return; }
      if (pinned) { pinned = null; showDefaultPanel(); return; }
      if (state.focus) { clearFocus(); return; }
      setHover(null);
      return;
    }
    if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const w = stage.clientWidth, h = stage.clientHeight;
    const step = 80 / view.k;
    switch (ev.key) {
      case '+': case '=': zoomAt(w / 2, h / 2, 1.25); break;
      case '-': case '_': zoomAt(w / 2, h / 2, 0.8); break;
      case '0': fit(); return;
      case 'ArrowLeft': view.x -= step; applyView(); break;
      case 'ArrowRight': view.x += step; applyView(); break;
      case 'ArrowUp': view.y -= step; applyView(); break;
      case 'ArrowDown': view.y += step; applyView(); break;
      case '/': ui.search.focus(); ui.search.select(); break;
      default: return;
    }
    ev.preventDefault();
    userMoved();
  });

  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => (state.fit ? fit() : applyView())).observe(stage);
  }
  ui.fit.addEventListener('click', () => fit());
  ui.alwaysFit.addEventListener('change', () => {
    state.fit = ui.alwaysFit.checked;
    if (state.fit) fit();
    writeHash();
  });

  /* ---------- Search ---------- */

  // A substring (any case), or a regular expression written /like this/.
  function matcher(q) {
    if (q.length > 2 && q.startsWith('/') && q.endsWith('/')) {
      try {
        const re = new RegExp(q.slice(1, -1), 'i');
        return (s) => re.test(s);
      } catch (e) { return null; }
    }
    const lower = q.toLowerCase();
    return (s) => s.toLowerCase().includes(lower);
  }

  // Ids of matching services: those drawn, and on an overview also those of the full drawing.
  function search(q, jump) {
    state.q = q;
    for (const id of matches) { const n = model.nodes.get(id); if (n) n.el.classList.remove('match', 'current'); }
    matches = [];
    matchAt = -1;
    const test = q ? matcher(q) : null;
    ui.search.classList.toggle('invalid', Boolean(q) && !test);
    if (test) {
      const seen = new Set();
      for (const n of model.nodes.values()) {
        if (test(n.name) || test(n.id)) { matches.push(n.id); seen.add(n.id); }
      }
      if (!state.full && config.overview) {
        for (const n of graphDoc.nodes || []) {
          if (!seen.has(n.id) && (test(n.name) || test(n.id))) matches.push(n.id);
        }
      }
    }
    for (const id of matches) { const n = model.nodes.get(id); if (n) n.el.classList.add('match'); }
    showMatchCount();
    writeHash();
    if (jump && matches.length) nextMatch();
  }
  function showMatchCount() {
    if (!state.q) ui.matches.textContent = '';
    else if (!matches.length) ui.matches.textContent = ui.search.classList.contains('invalid') ? 'bad regex' : 'no match';
    else if (matchAt < 0) ui.matches.textContent = plural(matches.length, 'match').replace(/matchs$/, 'matches');
    else ui.matches.textContent = `${matchAt + 1} / ${matches.length}`;
  }
  function nextMatch() {
    if (!matches.length) return;
    const previous = model.nodes.get(matches[matchAt]);
    if (previous) previous.el.classList.remove('current');
    matchAt = (matchAt + 1) % matches.length;
    const id = matches[matchAt];
    const node = reveal(id);
    showMatchCount();
    if (!node) return;
    node.el.classList.add('current');
    const b = nodeBox(node);
    fitTo({ x: b.x - 150, y: b.y - 100, w: b.w + 300, h: b.h + 200 }, 1.5);
    showNode(node);
    userMoved();
  }
  ui.search.addEventListener('input', () => search(ui.search.value, true));
  ui.search.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); nextMatch(); }
  });

  // Makes a service visible: the full drawing of a big graph, its namespace expanded, out
  // of a focus that hides it. Returns its node in the drawing, if it is drawn.
  function reveal(id) {
    if (!model.nodes.has(id) && config.overview && !state.full) {
      const doc = docIndex.nodes.get(id);
      const ns = computedGroups ? (groupOf.has(id) ? groupOf.get(id) : null)
        : doc && doc.namespace != null ? doc.namespace : null;
      if (config.overview_level !== 'workload' && ns !== null) showExpanded([...state.expanded, ns], ns);
      else showFull(ns);
      search(state.q, false);
      matchAt = matches.indexOf(id);
    }
    const node = model.nodes.get(id);
    if (!node) return null;
    if (node.ns !== null && state.collapsed.has(node.ns)) expand(node.ns);
    if (state.focus && !node.el.classList.contains('focused')) clearFocus(true);
    return node;
  }

  /* ---------- Hover and the side panel ---------- */

  const HOVERABLE = 'g.nodes > g.node, g.edges > g.edge, g.collapsed-box, g.passing-layer > g.edge';
  // Calls drawn again over a collapsed box stand for themselves.
  const passingOriginal = new WeakMap();
  const original = (el) => (el && passingOriginal.get(el)) || el;
  // A name on the names layer stands for its service's node.
  function namedNode(target) {
    const name = target.closest('.names > .name');
    return name ? model.nodes.get(name.dataset.id) || null : null;
  }
  // On the canvas, what the pointer is over is found in the drawing's geometry.
  function targetOf(ev) {
    if (ev.target !== canvas) return ev.target instanceof Element ? ev.target : null;
    const r = stage.getBoundingClientRect();
    return pickAt(ev.clientX - r.left, ev.clientY - r.top);
  }
  let pointedAt = null;
  let pointFrame = 0;
  let pointer = null; // where the pointer was last seen over the stage: [clientX, clientY]
  let restingAt = null; // where it rested when the drawing began to move
  for (const type of ['pointerdown', 'pointermove']) {
    stage.addEventListener(type, (ev) => { pointer = [ev.clientX, ev.clientY]; });
  }
  stage.addEventListener('mousemove', (ev) => {
    if (ev.target !== canvas) return;
    pointedAt = ev;
    if (!pointFrame) {
      pointFrame = requestAnimationFrame(() => {
        pointFrame = 0;
        if (pointedAt && !(drag && dragged)) pointedAt.target.dispatchEvent(new MouseEvent('mouseover', pointedAt));
        pointedAt = null;
      });
    }
  });
  stage.addEventListener('mouseover', (ev) => {
    if (drag && dragged) return;
    // Services moving under a pointer at rest (a change of view animating) are not hovered:
    // the panel stays on what was clicked until the pointer moves.
    if (restingAt && ev.clientX === restingAt[0] && ev.clientY === restingAt[1]) return;
    restingAt = null;
    const target = targetOf(ev);
    const named = target ? namedNode(target) : null;
    const el = named ? named.el : target ? original(target.closest(HOVERABLE)) : null;
    if (el !== hovered) setHover(el);
  });
  stage.addEventListener('mouseleave', () => setHover(null));

  // The neighbourhood is copied above a translucent veil on the overlay: a hover costs as
  // much as the neighbourhood, however big the drawing.
  function setHover(el) {
    hovered = el;
    hoverNear = null;
    scheduleNames();
    overlay.replaceChildren();
    if (!svg || !el) { if (svg) showDefaultPanel(); return; }
    const edges = new Set();
    const nodes = new Set();
    const boxes = new Set();
    if (el.classList.contains('node')) {
      const node = model.nodes.get(el.getAttribute('data-id'));
      if (!node) return;
      nodes.add(node.el);
      for (const e of node.out) { edges.add(e.el); nodes.add(elOf(e.t)); }
      for (const e of node.in) { edges.add(e.el); nodes.add(elOf(e.s)); }
      hoverNear = new Set([node.id, ...node.out.map((e) => e.t), ...node.in.map((e) => e.s)]);
      showNode(node);
    } else if (el.classList.contains('edge')) {
      const edge = model.edges.find((e) => e.el === el);
      edges.add(el);
      if (edge) { nodes.add(elOf(edge.s)); nodes.add(elOf(edge.t)); showEdge(edge); }
    } else {
      const ns = el.getAttribute('data-namespace');
      boxes.add(el);
      for (const e of boundaryEdges(ns)) { edges.add(e.el); nodes.add(elOf(e.s)); nodes.add(elOf(e.t)); }
      showNamespace(ns);
    }
    const veil = document.createElementNS(SVG_NS, 'rect');
    veil.setAttribute('class', 'veil');
    for (const [k, v] of [['x', -1e6], ['y', -1e6], ['width', 2e6], ['height', 2e6]]) veil.setAttribute(k, v);
    const lifted = [veil];
    for (const x of [...edges, ...boxes, ...nodes]) {
      if (!x || !shown(x)) continue;
      const copy = x.cloneNode(true);
      copy.querySelector('title')?.remove();
      copy.classList.add('near');
      if (x === el && nodes.has(x)) copy.classList.add('hovered');
      lifted.push(copy);
    }
    // Copies keep their places in the drawing's structure, so its stylesheet applies.
    const [g1, g2, g3] = ['edges', 'collapsed-layer', 'nodes'].map((cls) => {
      const g = document.createElementNS(SVG_NS, 'g');
      g.setAttribute('class', cls);
      return g;
    });
    for (const copy of lifted.slice(1)) {
      (copy.classList.contains('edge') ? g1 : copy.classList.contains('collapsed-box') ? g2 : g3).append(copy);
    }
    overlay.append(veil, g1, g2, g3);
  }
  // Whether an element of the drawing is shown (not in a collapsed namespace, not out of focus).
  function shown(x) {
    if (x.classList.contains('collapsed-member') || x.classList.contains('collapsed-inside')) return false;
    if (x.classList.contains('collapsed-box')) return true;
    return !svg.classList.contains('focusing') || x.classList.contains('focused');
  }
  const elOf = (id) => { const n = model.nodes.get(id); return n ? n.el : null; };

  function el(tag, text, cls) {
    const x = document.createElement(tag);
    if (text !== undefined && text !== null) x.textContent = String(text);
    if (cls) x.className = cls;
    return x;
  }
  function table(rows, withBefore) {
    const t = el('table');
    if (withBefore) {
      const head = el('tr');
      head.append(el('th', ''), el('th', 'now'), el('th', 'before'));
      t.append(head);
    }
    for (const row of rows) {
      const tr = el('tr');
      tr.append(el('th', row[0]), el('td', row[1]));
      if (withBefore) tr.append(el('td', row[2] === undefined ? '' : row[2], 'before'));
      t.append(tr);
    }
    return t;
  }
  function button(label, action) {
    const b = el('button', label);
    b.type = 'button';
    b.addEventListener('click', action);
    return b;
  }

  // An edge's numbers: the graph document's record when it has one, else the drawing's
  // data attributes (an overview's merged edges, or a drawing newer than the document).
  function edgeNumbers(edge) {
    const doc = docIndex.edges.get(edge.s + '\u0000' + edge.t);
    const a = (name) => num(edge.el, name);
    if (doc) {
      const l = doc.latency_seconds || {};
      const before = doc.diff && doc.diff.before;
      const lb = (before && before.latency_seconds) || {};
      return {
        // The page's document leaves out zero failure rates and the (derived) error ratio.
        rps: doc.requests_per_second, fps: doc.failures_per_second || 0,
        ratio: doc.error_ratio != null ? doc.error_ratio
          : doc.requests_per_second > 0 ? Math.min(1, (doc.failures_per_second || 0) / doc.requests_per_second) : 0,
        p50: l.p50, p95: l.p95, p99: l.p99, connection: doc.connection_type,
        change: doc.diff ? doc.diff.change : null,
        before: before ? {
          rps: before.requests_per_second, fps: before.failures_per_second || 0,
          ratio: before.requests_per_second > 0 ? Math.min(1, (before.failures_per_second || 0) / before.requests_per_second) : 0,
          p50: lb.p50, p95: lb.p95, p99: lb.p99,
        } : null,
      };
    }
    const rps = a('data-rps') || 0;
    const ratio = a('data-error-ratio') || 0;
    const hasBefore = edge.el.hasAttribute('data-before-rps');
    return {
      rps, fps: rps * ratio, ratio, p50: a('data-p50'), p95: a('data-p95'), p99: a('data-p99'),
      connection: edge.el.getAttribute('data-connection-type'), change: edge.el.getAttribute('data-diff'),
      before: hasBefore ? {
        rps: a('data-before-rps'), ratio: a('data-before-error-ratio'),
        fps: a('data-before-rps') * a('data-before-error-ratio'), p95: a('data-before-p95'),
      } : null,
    };
  }
  const dur = (v) => (v === null || v === undefined ? '—' : formatDuration(v));

  /* ---------- Links to other tools (render::links) ---------- */

  const links = Array.isArray(config.links) ? config.links : [];
  // As render::links encodes: every byte but A-Z a-z 0-9 - . _ ~.
  const encodeValue = (v) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

  // The window {from} and {to} stand for, in Unix ms: the live view's moment shown and the
  // rate window before it, the page's own window, or the hour before now.
  function linkWindow() {
    if (live && shownAt !== null) {
      const to = Math.round(shownAt * 1000);
      return [to - (live.window_seconds || 300) * 1000, to];
    }
    if (Array.isArray(config.window) && config.window.length === 2) return config.window;
    const to = Date.now();
    return [to - 3600 * 1000, to];
  }
  // A "links" section in the panel: one anchor per template of `target`, opened in a new tab
  // that gets neither this page's window nor its address.
  function appendLinks(target, values) {
    const mine = links.filter((l) => l && l.target === target && Array.isArray(l.parts));
    if (!mine.length) return;
    const [from, to] = linkWindow();
    const all = { ...values, from: String(from), to: String(to) };
    const list = el('ul', null, 'links');
    for (const link of mine) {
      let url = '';
      try {
        for (const part of link.parts) {
          if (typeof part.text === 'string') url += part.text;
          else if (typeof part.value === 'string') url += encodeValue(all[part.value] == null ? '' : String(all[part.value]));
        }
        const scheme = new URL(url).protocol;
        if (scheme !== 'http:' && scheme !== 'https:') continue;
      } catch (e) { continue; }
      const a = el('a', link.name);
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      const li = el('li');
      li.append(a);
      list.append(li);
    }
    if (!list.childElementCount) return;
    panel.append(el('h3', 'links'));
    panel.append(list);
  }
  // A service's name and namespace as the graph document has them (the drawing's attributes
  // hold them with some characters replaced).
  function nodeValues(id) {
    const doc = docIndex.nodes.get(id);
    const drawn = model.nodes.get(id);
    return {
      name: doc ? doc.name : drawn ? drawn.name : id,
      namespace: doc ? (doc.namespace == null ? '' : doc.namespace) : drawn && drawn.ns !== null ? drawn.ns : '',
    };
  }

  function showEdge(edge) {
    const n = edgeNumbers(edge);
    const s = model.nodes.get(edge.s);
    const t = model.nodes.get(edge.t);
    panel.replaceChildren();
    panel.append(el('h2', `${s ? s.name : edge.s} → ${t ? t.name : edge.t}`));
    panel.append(el('p', n.change ? `compared with the baseline: ${n.change}` : 'call', 'sub'));
    const b = n.before || {};
    const withBefore = Boolean(n.before);
    panel.append(table([
      ['requests/s', formatRate(n.rps), withBefore ? formatRate(b.rps) : undefined],
      ['failures/s', formatRate(n.fps), withBefore ? formatRate(b.fps) : undefined],
      ['error ratio', formatPercent(n.ratio), withBefore ? formatPercent(b.ratio) : undefined],
      ['p50', dur(n.p50), withBefore ? dur(b.p50) : undefined],
      ['p95', dur(n.p95), withBefore ? dur(b.p95) : undefined],
      ['p99', dur(n.p99), withBefore ? dur(b.p99) : undefined],
    ], withBefore));
    if (n.connection) panel.append(el('p', `connection: ${n.connection}`, 'sub'));
    const client = nodeValues(edge.s);
    const server = nodeValues(edge.t);
    appendLinks('call', {
      client: client.name, server: server.name,
      client_namespace: client.namespace, server_namespace: server.namespace,
    });
  }

  function totals(edges) {
    let rps = 0, fps = 0;
    for (const e of edges) { const n = edgeNumbers(e); rps += n.rps; fps += n.fps; }
    return { rps, fps, ratio: rps > 0 ? Math.min(1, fps / rps) : 0 };
  }

  function showNode(node) {
    const doc = docIndex.nodes.get(node.id);
    panel.replaceChildren();
    panel.append(el('h2', node.name));
    const kind = node.kind === 'namespace' ? groupWord() : node.kind;
    const inside = node.ns === null || node.kind === 'namespace' ? ''
      : groupWord() === 'group' ? ` in group ${node.ns}` : ` in ${node.ns}`;
    panel.append(el('p', kind + inside + (node.id !== node.name ? ` · id ${node.id}` : ''), 'sub'));
    const inn = totals(node.in);
    const out = totals(node.out);
    panel.append(table([
      ['callers', String(new Set(node.in.map((e) => e.s)).size)],
      ['requests/s in', formatRate(inn.rps)],
      ['error ratio in', formatPercent(inn.ratio)],
      ['callees', String(new Set(node.out.map((e) => e.t)).size)],
      ['requests/s out', formatRate(out.rps)],
      ['error ratio out', formatPercent(out.ratio)],
    ]));
    const change = node.el.getAttribute('data-diff');
    if (change) panel.append(el('p', `compared with the baseline: ${change}`, 'sub'));
    if (doc && doc.addresses && doc.addresses.length) {
      panel.append(el('h3', 'addresses'));
      const list = el('ul');
      for (const a of doc.addresses.slice(0, 20)) list.append(el('li', a));
      if (doc.addresses.length > 20) list.append(el('li', `and ${doc.addresses.length - 20} more`));
      panel.append(list);
    }
    // What naming rules merged into this node (the graph document's `renames`).
    const renamed = (Array.isArray(graphDoc.renames) ? graphDoc.renames : [])
      .filter((r) => r && r.to === node.id && typeof r.from === 'string' && typeof r.rule === 'string');
    if (renamed.length) {
      panel.append(el('h3', 'renamed from'));
      const list = el('ul');
      for (const r of renamed.slice(0, 20)) list.append(el('li', `${r.from} (${r.rule})`));
      if (renamed.length > 20) list.append(el('li', `and ${renamed.length - 20} more`));
      panel.append(list);
    }
    const slowest = [...node.out].map((e) => [e, edgeNumbers(e)]).filter((x) => x[1].p95 != null)
      .sort((a, b) => b[1].p95 - a[1].p95).slice(0, 5);
    if (slowest.length) {
      panel.append(el('h3', 'slowest calls out (p95)'));
      const list = el('ul');
      for (const [e, n] of slowest) list.append(el('li', `${nameOf(e.t)}: ${formatDuration(n.p95)}`));
      panel.append(list);
    }
    if (node.kind !== 'namespace') {
      const values = nodeValues(node.id);
      appendLinks('node', { service: values.name, namespace: values.namespace });
    }
    if (expandable(node)) {
      panel.append(button(`Expand ${node.name}`, () => expandOverviewNode(node)));
    } else {
      panel.append(button('Focus', () => focusOn(node.id)));
    }
    if (node.ns !== null && model.groups.has(node.ns)) panel.append(button(`Collapse ${node.ns}`, () => collapse(node.ns)));
  }
  const nameOf = (id) => { const n = model.nodes.get(id); return n ? n.name : id; };

  function showNamespace(ns) {
    const members = model.byNamespace.get(ns) || [];
    const inside = new Set(members.map((m) => m.id));
    panel.replaceChildren();
    panel.append(el('h2', ns));
    panel.append(el('p', `${groupWord()}, collapsed: ${plural(members.length, 'service')}`, 'sub'));
    const boundary = boundaryEdges(ns);
    const inn = totals(boundary.filter((e) => inside.has(e.t)));
    const out = totals(boundary.filter((e) => inside.has(e.s)));
    panel.append(table([
      ['requests/s in', formatRate(inn.rps)], ['error ratio in', formatPercent(inn.ratio)],
      ['requests/s out', formatRate(out.rps)], ['error ratio out', formatPercent(out.ratio)],
    ]));
    panel.append(button(`Expand ${ns}`, () => expand(ns)));
  }

  function showDefaultPanel() {
    const pinnedEdge = pinned && model.edges.find((e) => e.s === pinned.s && e.t === pinned.t);
    if (pinnedEdge) { showEdge(pinnedEdge); return; }
    const focused = state.focus && model.nodes.get(state.focus);
    if (focused) { showNode(focused); return; }
    panel.replaceChildren();
    const all = totals(model.edges.filter((e) => model.nodes.has(e.s)));
    const atOverview = config.overview && !state.full && !state.expanded.size;
    const units = !atOverview ? 'services' : computedGroups ? 'groups'
      : config.overview_level === 'workload' ? 'workloads' : 'namespaces';
    const heading = computedGroups ? 'Groups' : config.overview_level === 'workload' ? 'Workloads' : 'Namespaces';
    panel.append(el('h2', config.overview && !state.full ? heading : 'Service graph'));
    panel.append(table([
      [units, model.nodes.size.toLocaleString('en-US')],
      ['calls', model.edges.length.toLocaleString('en-US')],
      ['requests/s', formatRate(all.rps)],
      ['error ratio', formatPercent(all.ratio)],
    ]));
    panel.append(el('h3', 'how to'));
    const list = el('ul', null, 'hint');
    for (const tip of [
      'Hover a service or call for its numbers.',
      'Click a service to focus on it; Escape returns.',
      `Click a ${groupWord()} name to collapse it; click the box to expand it.`,
      'Drag to pan; wheel, + and - to zoom; 0 fits.',
      'The address bar keeps the view: copy it to share.',
    ]) list.append(el('li', tip));
    panel.append(list);
  }

  /* ---------- The layout engine ---------- */

  // svcgraph's layout and drawing (crates/svcgraph-wasm), gzipped, in base64; loaded once
  // at start. Null where it cannot run (no DecompressionStream, WebAssembly refused).
  let engine = null;
  // Until it has loaded (or failed to), a focus the link asks for waits for it, so that a
  // big graph's full drawing is not read just to be replaced.
  let engineLoading = Boolean(byId('svcgraph-engine')) && typeof DecompressionStream === 'function' && typeof WebAssembly === 'object';
  let pendingFocus = '';
  const afterEngine = []; // what waits for it (withEngine)
  async function loadEngine() {
    const block = byId('svcgraph-engine');
    if (!block || typeof DecompressionStream !== 'function' || typeof WebAssembly !== 'object') return null;
    const packed = Uint8Array.from(atob(block.textContent.trim()), (c) => c.charCodeAt(0));
    const unpacked = new Blob([packed]).stream().pipeThrough(new DecompressionStream('gzip'));
    const { instance } = await WebAssembly.instantiate(await new Response(unpacked).arrayBuffer(), {});
    const x = instance.exports;
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    // Text into a buffer of the module's memory: [pointer, length]; freed by the caller.
    const put = (text) => {
      const bytes = encoder.encode(text);
      const ptr = x.svcgraph_alloc(bytes.length);
      new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
      return [ptr, bytes.length];
    };
    return {
      // {svg} or {error}: the drawing of a graph document (text) with options (render's
      // flags as an object). The answer: a u32 status, a u32 length, then UTF-8.
      draw(documentText, options) {
        const [doc, docLength] = put(documentText);
        const [opts, optsLength] = put(JSON.stringify(options));
        try {
          const answer = x.svcgraph_render_svg(doc, docLength, opts, optsLength);
          const header = new DataView(x.memory.buffer, answer, 8);
          const status = header.getUint32(0, true);
          const length = header.getUint32(4, true);
          const text = decoder.decode(new Uint8Array(x.memory.buffer, answer + 8, length));
          x.svcgraph_free(answer, 8 + length);
          if (status === 0) return { svg: text };
          try { return { error: String(JSON.parse(text).error) }; } catch (e) { return { error: text }; }
        } finally {
          x.svcgraph_free(doc, docLength);
          x.svcgraph_free(opts, optsLength);
        }
      },
    };
  }

  /* ---------- Changes of view, animated ---------- */

  // A view the engine draws afresh (a focus, namespaces expanded) is laid out from where the
  // services stood (the engine's `hint`: their centers by id, in the drawing's units), so
  // that those in both views keep their order; and every change of drawing animates, so the
  // eye can follow: services in both move from where they were on the stage to their new
  // places (growing or shrinking with the zoom), the other services, the calls, the boxes,
  // the names and the legend fade in, and those gone are gone. The movements are the
  // browser's (Web Animations), never written into the drawing: once they end, or are cut
  // short by the next change, the drawing is the engine's as it wrote it. Not with reduced
  // motion, nor for big drawings (each moving service is a layer the browser animates), nor
  // on a canvas.
  const MOVE_MS = 350;
  const reducedMotion = typeof matchMedia === 'function' ? matchMedia('(prefers-reduced-motion: reduce)') : null;
  // Off until the page is ready: the view a link asks for opens as the command draws it.
  let changesAnimate = false;
  let moves = []; // the animations running
  let pendingMove = null; // where the services stood before the change being made

  // The services shown and where they stand: {hint, screen: id -> [x, y] on the stage, k,
  // nodeOf: namespace -> where its node (an overview's) stood, middleOf: namespace -> the
  // middle of its services}.
  function placesNow() {
    endMoves();
    if (!svg || !changesAnimate) return null;
    const focusing = svg.classList.contains('focusing');
    const nodes = Object.create(null);
    const screen = new Map();
    for (const [id, n] of model.nodes) {
      const c = n.el.classList;
      if (c.contains('collapsed-member') || (focusing && !c.contains('focused'))) continue;
      const b = nodeBox(n);
      const x = b.x + b.w / 2, y = b.y + b.h / 2;
      nodes[id] = { x, y };
      screen.set(id, [(x - view.x) * view.k, (y - view.y) * view.k]);
    }
    const groups = new Map();
    const members = new Map();
    for (const [id, n] of model.nodes) {
      const at = screen.get(id);
      if (!at) continue;
      if (n.kind === 'namespace') groups.set(n.ns !== null ? n.ns : n.name, at);
      else if (n.ns !== null) {
        const m = members.get(n.ns) || [0, 0, 0];
        members.set(n.ns, [m[0] + at[0], m[1] + at[1], m[2] + 1]);
      }
    }
    const middles = new Map([...members].map(([ns, [x, y, count]]) => [ns, [x / count, y / count]]));
    return { hint: { nodes }, screen, k: view.k, nodeOf: groups, middleOf: middles };
  }

  // The engine's drawing for `options` ({svg} or {error}, and `from` again), laid out from
  // `from`'s places when they hold at least half of its services. The hint keeps those in
  // order and fits the others in around them, which packs a drawing that is mostly new (250
  // services of a namespace expanded among 19 namespace nodes) into tight columns of
  // illegible names: such a drawing is the command's, drawn without the hint, and still moves.
  function drawView(options, from) {
    let drawn;
    try { drawn = engine.draw(graphText, options); } catch (e) { return { error: String(e), from }; }
    drawn.from = from;
    if (!from || !drawn.svg) return drawn;
    let total = 0, shared = 0;
    for (const m of drawn.svg.matchAll(/<g class="node[^"]*" data-id="([^"]*)"/g)) {
      total += 1;
      if (unescapeAttr(m[1]) in from.hint.nodes) shared += 1;
    }
    if (shared < 2 || shared * 2 < total) return drawn;
    let hinted;
    try { hinted = engine.draw(graphText, Object.assign({}, options, { hint: from.hint })); } catch (e) { return drawn; }
    if (!hinted.svg) return drawn;
    hinted.from = from;
    return hinted;
  }
  const unescapeAttr = (v) => v.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" })[e]);

  // Animates the change to the drawing now shown from `from` (placesNow before it); once
  // the change is made (the view fitted to it), before the next frame.
  function moveFrom(from) {
    if (!from || pendingMove) return;
    pendingMove = from;
    queueMicrotask(startMoves);
  }

  function startMoves() {
    const from = pendingMove;
    pendingMove = null;
    if (!from || !svg || scene || (reducedMotion && reducedMotion.matches) || typeof svg.animate !== 'function') return;
    if (model.nodes.size > MOVES_ANIMATED) return;
    const timing = { duration: MOVE_MS, easing: 'ease-in-out' };
    const late = [{ opacity: 0 }, { opacity: 0, offset: 0.4 }, { opacity: 1 }];
    // A service's size on the stage goes from the old scale's to the new one's.
    const s = from.k / view.k;
    for (const [id, n] of model.nodes) {
      let was = from.screen.get(id);
      // A service new to the view comes out of its namespace's node where that was (a
      // namespace expanded), a namespace's node out of the middle of its services (back to
      // the overview); anything else fades in where it is.
      const group = was ? null : n.kind === 'namespace' ? from.middleOf.get(n.ns !== null ? n.ns : n.name) : from.nodeOf.get(n.ns);
      if (!was && !group) { moves.push(n.el.animate([{ opacity: 0 }, { opacity: 1 }], timing)); continue; }
      if (!was) was = group;
      const b = nodeBox(n);
      const cx = b.x + b.w / 2, cy = b.y + b.h / 2;
      // Where it stood on the stage, in this drawing's units.
      const ox = view.x + was[0] / view.k, oy = view.y + was[1] / view.k;
      if (!group && Math.abs(ox - cx) * view.k < 0.5 && Math.abs(oy - cy) * view.k < 0.5 && Math.abs(s - 1) < 0.01) continue;
      // Scaled about the drawing's origin (an SVG element's), then moved: its center at (ox, oy).
      const start = `translate(${ox - s * cx}px, ${oy - s * cy}px) scale(${s})`;
      const end = 'translate(0px, 0px) scale(1)';
      moves.push(n.el.animate(group ? [{ transform: start, opacity: 0 }, { transform: end, opacity: 1 }] : [{ transform: start }, { transform: end }], timing));
    }
    for (const layer of svg.querySelectorAll(':scope > g.edges, :scope > g.groups, :scope > g.legend, :scope > g.collapsed-layer, :scope > g.passing-layer')) {
      moves.push(layer.animate(late, timing));
    }
    moves.push(namesLayer.animate(late, timing));
    restingAt = pointer;
    for (const a of moves) a.addEventListener('finish', () => { moves = moves.filter((m) => m !== a); });
  }

  // Cuts the running animations short: everything stands where the drawing puts it.
  function endMoves() {
    const running = moves;
    moves = [];
    for (const a of running) a.cancel();
  }

  let baseSvg = null; // the drawing a focus drawing stands in for, shown again when it ends
  let focusSvg = null; // the engine's drawing of the focus, while it is shown
  let focusText = ''; // that drawing as the engine wrote it
  const WALKS = { both: 'both', callers: 'up', callees: 'down' };

  // The graph document's service `key` names: an id (as drawn or as given), else a name, the
  // first in id order (the document's order).
  function docId(key) {
    let named = null;
    for (const n of graphDoc.nodes || []) {
      if (n.id === key || drawnId(n.id) === key) return n.id;
      if (named === null && n.name === key) named = n.id;
    }
    return named;
  }

  // The focus drawn afresh: the neighbourhood `svcgraph render --focus ID --depth N
  // --direction D` draws with the page's drawing options, in place of the drawing. False
  // when it cannot be drawn (then the focus dims the rest of the drawing).
  function drawFocus(key, from = placesNow()) {
    const id = docId(key);
    if (id === null) return false;
    const options = Object.assign({}, config.draw || {}, { focus: id, depth: state.depth, direction: WALKS[state.dir] || 'both' });
    const drawn = drawView(options, from);
    const next = drawn.svg ? parseSvg(drawn.svg) : null;
    if (!next) {
      setStatus(`the focus could not be laid out (${drawn.error || 'unreadable drawing'}); dimming the rest instead`, true);
      return false;
    }
    if (svg !== focusSvg) baseSvg = svg;
    swapDrawing(next);
    focusSvg = next;
    focusText = drawn.svg;
    for (const x of svg.querySelectorAll('g.nodes > g.node, g.edges > g.edge, g.groups > g.group')) x.classList.add('focused');
    const root = model.nodes.get(drawnId(id));
    if (root) root.el.classList.add('focus-root');
    svg.classList.add('focusing');
    scheduleNames();
    state.focus = drawnId(id);
    applyLabels();
    search(state.q, false);
    writeHash();
    fit();
    moveFrom(from);
    if (root) showNode(root);
    return true;
  }

  /* ---------- Focus ---------- */

  // A service by id, or by name when the name is unique enough (the first in id order).
  function resolve(key) {
    if (model.nodes.has(key)) return key;
    for (const n of model.nodes.values()) if (n.name === key) return n.id;
    if (config.overview && !state.full) {
      for (const n of graphDoc.nodes || []) if (n.id === key || n.name === key) return n.id;
    }
    return null;
  }

  // `from`: where the services stood before (placesNow), when that was another drawing.
  function focusOn(key, from) {
    pendingFocus = '';
    if (engine && drawFocus(key, from)) return;
    let id = resolve(key);
    if (id === null) { setStatus(`no service ${key} in this drawing`); return; }
    if (!model.nodes.has(id)) { reveal(id); id = resolve(key); if (id === null || !model.nodes.has(id)) return; }
    clearFocus(true);
    const root = model.nodes.get(id);
    if (root.ns !== null && state.collapsed.has(root.ns)) expand(root.ns, true);
    const up = state.dir !== 'callees';
    const down = state.dir !== 'callers';
    const reached = new Set([id]);
    let frontier = [root];
    for (let d = 0; d < state.depth && frontier.length; d++) {
      const next = [];
      for (const n of frontier) {
        const steps = [];
        if (down) for (const e of n.out) steps.push(e.t);
        if (up) for (const e of n.in) steps.push(e.s);
        for (const m of steps) {
          if (!reached.has(m) && model.nodes.has(m)) { reached.add(m); next.push(model.nodes.get(m)); }
        }
      }
      frontier = next;
    }
    for (const m of reached) {
      const n = model.nodes.get(m);
      n.el.classList.add('focused');
      if (n.ns !== null && model.groups.has(n.ns)) model.groups.get(n.ns).el.classList.add('focused');
    }
    for (const e of model.edges) if (reached.has(e.s) && reached.has(e.t)) e.el.classList.add('focused');
    root.el.classList.add('focus-root');
    svg.classList.add('focusing');
    scheduleNames();
    state.focus = id;
    writeHash();
    fit();
    showNode(root);
  }

  function clearFocus(quiet) {
    if (!svg) return;
    pendingFocus = '';
    const was = state.focus;
    state.focus = '';
    // Quietly, for another change of view, which moves the services itself.
    const from = !quiet && svg === focusSvg && baseSvg ? placesNow() : null;
    if (svg === focusSvg && baseSvg) {
      swapDrawing(baseSvg);
      applyCollapsed();
      applyLabels();
      search(state.q, false);
    }
    for (const x of svg.querySelectorAll('.focused, .focus-root')) x.classList.remove('focused', 'focus-root');
    svg.classList.remove('focusing');
    scheduleNames();
    if (!quiet) { writeHash(); if (was) fit(); showDefaultPanel(); }
    moveFrom(from);
  }

  ui.depth.addEventListener('change', () => {
    state.depth = clampDepth(ui.depth.value);
    ui.depth.value = state.depth;
    if (state.focus) focusOn(state.focus); else writeHash();
  });
  ui.dir.addEventListener('change', () => {
    state.dir = ui.dir.value;
    if (state.focus) focusOn(state.focus); else writeHash();
  });
  const clampDepth = (v) => Math.min(5, Math.max(1, Math.round(Number(v)) || 1));

  stage.addEventListener('click', (ev) => {
    if (dragged) { dragged = false; return; }
    const target = targetOf(ev);
    if (!target) return;
    const edgeEl = original(target.closest('g.edges > g.edge, g.passing-layer > g.edge'));
    pinned = null;
    if (edgeEl) {
      const edge = model.edges.find((e) => e.el === edgeEl);
      if (edge) { pinned = { s: edge.s, t: edge.t }; showEdge(edge); }
      return;
    }
    const named = namedNode(target);
    const box = named ? null : target.closest('g.collapsed-box');
    if (box) { expand(box.getAttribute('data-namespace')); return; }
    const group = named ? null : target.closest('g.groups > g.group');
    if (group && target.tagName === 'text') { collapse(group.getAttribute('data-namespace')); return; }
    const nodeEl = named ? named.el : target.closest('g.nodes > g.node');
    if (!nodeEl) return;
    const node = model.nodes.get(nodeEl.getAttribute('data-id'));
    if (!node) return;
    if (expandable(node)) {
      expandOverviewNode(node);
    } else {
      focusOn(node.id);
    }
  });

  /* ---------- Collapsing namespaces in place ---------- */

  function boundaryEdges(ns) {
    const members = model.byNamespace.get(ns) || [];
    const out = [];
    for (const m of members) {
      for (const e of m.out) { const t = model.nodes.get(e.t); if (!t || t.ns !== ns) out.push(e); }
      for (const e of m.in) { const s = model.nodes.get(e.s); if (!s || s.ns !== ns) out.push(e); }
    }
    return out;
  }

  // Members and inner calls are hidden; an opaque box with the namespace's name, size and
  // incoming rate covers the group's area, so calls across its border end at the border.
  function applyCollapsed() {
    if (!svg) return;
    scheduleNames();
    for (const x of svg.querySelectorAll('.collapsed-member, .collapsed-inside')) x.classList.remove('collapsed-member', 'collapsed-inside');
    let layer = svg.querySelector('g.collapsed-layer');
    if (layer) layer.remove();
    const drawnAgain = svg.querySelector('g.passing-layer');
    if (drawnAgain) drawnAgain.remove();
    const shown = [...state.collapsed].filter((ns) => model.groups.has(ns)).sort();
    if (!shown.length) return;
    layer = document.createElementNS(SVG_NS, 'g');
    layer.setAttribute('class', 'collapsed-layer');
    for (const ns of shown) {
      const members = model.byNamespace.get(ns) || [];
      for (const m of members) {
        m.el.classList.add('collapsed-member');
        for (const e of m.out) { const t = model.nodes.get(e.t); if (t && t.ns === ns) e.el.classList.add('collapsed-inside'); }
      }
      const b = model.groups.get(ns).box;
      const inside = new Set(members.map((m) => m.id));
      const incoming = totals(boundaryEdges(ns).filter((e) => inside.has(e.t)));
      const g = document.createElementNS(SVG_NS, 'g');
      g.setAttribute('class', 'collapsed-box');
      g.setAttribute('data-namespace', ns);
      const title = document.createElementNS(SVG_NS, 'title');
      title.textContent = `${groupWord()} ${ns} (collapsed): click to expand`;
      const rect = document.createElementNS(SVG_NS, 'rect');
      for (const [k, v] of [['x', b.x], ['y', b.y], ['width', b.w], ['height', b.h], ['rx', 8]]) rect.setAttribute(k, v);
      const name = document.createElementNS(SVG_NS, 'text');
      name.setAttribute('x', b.x + b.w / 2);
      name.setAttribute('y', b.y + b.h / 2 - 2);
      name.textContent = ns;
      const sub = document.createElementNS(SVG_NS, 'text');
      sub.setAttribute('class', 'sub');
      sub.setAttribute('x', b.x + b.w / 2);
      sub.setAttribute('y', b.y + b.h / 2 + 13);
      sub.textContent = `${plural(members.length, 'service')} · ${formatRate(incoming.rps)} req/s in`;
      g.append(title, rect, name, sub);
      layer.append(g);
    }
    const nodes = svg.querySelector('g.nodes');
    if (nodes) nodes.after(layer); else svg.append(layer);
    // Calls between services outside every collapsed namespace that run under a box are
    // drawn again over it, so collapsing hides no call: they enter the box and leave it.
    const boxes = shown.map((ns) => model.groups.get(ns).box);
    const folded = (id) => { const n = model.nodes.get(id); return !n || (n.ns !== null && state.collapsed.has(n.ns)); };
    const passing = document.createElementNS(SVG_NS, 'g');
    passing.setAttribute('class', 'passing-layer');
    for (const e of model.edges) {
      if (folded(e.s) || folded(e.t)) continue;
      const line = e.el.querySelector('path.line');
      if (!line) continue;
      const r = line.getBBox();
      if (!boxes.some((b) => r.x < b.x + b.w && r.x + r.width > b.x && r.y < b.y + b.h && r.y + r.height > b.y)) continue;
      const copy = e.el.cloneNode(true);
      passingOriginal.set(copy, e.el);
      passing.append(copy);
    }
    if (passing.childNodes.length) layer.after(passing);
  }
  function collapse(ns, quiet) {
    if (!model.groups.has(ns)) return;
    state.collapsed.add(ns);
    if (state.focus) { const f = model.nodes.get(state.focus); if (f && f.ns === ns) clearFocus(true); }
    applyCollapsed();
    if (!quiet) { writeHash(); setHover(null); }
  }
  function expand(ns, quiet) {
    state.collapsed.delete(ns);
    applyCollapsed();
    if (!quiet) { writeHash(); setHover(null); }
  }
  ui.collapseAll.addEventListener('click', () => {
    clearFocus(true);
    for (const ns of model.groups.keys()) state.collapsed.add(ns);
    applyCollapsed(); writeHash(); setHover(null);
    if (state.fit) fit();
  });
  ui.expandAll.addEventListener('click', () => {
    state.collapsed.clear();
    applyCollapsed(); writeHash(); setHover(null);
    if (state.fit) fit();
  });

  /* ---------- Big graphs: the overview and the full drawing ---------- */

  function parseSvg(text) {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    if (!root || root.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length) return null;
    // Adopted, not imported: a copy of a drawing of thousands of nodes costs as much again.
    return document.adoptNode(root);
  }

  // Puts another drawing on the stage, keeping the view state where it still applies.
  // The side panel is left to the caller, to be written from the new drawing: written here,
  // it would describe the drawing being replaced.
  function swapDrawing(next) {
    if (!next || next === svg) return;
    hovered = null;
    overlay.replaceChildren();
    if (svg) svg.replaceWith(next); else stage.prepend(next);
    svg = next;
    model = indexDrawing(svg);
    svg.classList.remove('focusing');
    useCanvas();
    forgetNames();
    if (next !== focusSvg) { focusSvg = null; focusText = ''; }
  }

  // Runs `action` once the engine has loaded; false (with a word in the status line) where
  // it cannot run, since the drawings beyond the overview are its work.
  function withEngine(action) {
    if (engine) { action(); return true; }
    if (engineLoading) { afterEngine.push(action); return true; }
    setStatus('this browser cannot run the page\'s layout engine (WebAssembly), which draws ' +
      'more than the overview: `svcgraph render -f svg` draws the whole graph', true);
    return false;
  }

  // The full drawing, laid out by the engine as `svcgraph render` draws the graph with the
  // page's options; with `ns`, that namespace expanded and the others collapsed in place.
  function showFull(ns) {
    if (!engine) { withEngine(() => showFull(ns)); return; }
    // Laid out without a hint: the full drawing is drawn once and kept, and it is the
    // command's drawing (its export too), whatever view came before it.
    const from = placesNow();
    if (!fullSvg) {
      let drawn;
      try { drawn = engine.draw(graphText, config.draw || {}); } catch (e) { drawn = { error: String(e) }; }
      fullSvg = drawn.svg ? parseSvg(drawn.svg) : null;
      if (!fullSvg) { setStatus(`the full drawing could not be laid out (${drawn.error || 'unreadable drawing'})`, true); return; }
      fullText = drawn.svg;
    }
    clearFocus(true);
    swapDrawing(fullSvg);
    state.full = true;
    state.expanded = new Set();
    if (ns !== null && ns !== undefined && model.groups.has(ns)) {
      state.collapsed = new Set([...model.groups.keys()].filter((x) => x !== ns));
    }
    applyCollapsed();
    applyLabels();
    search(state.q, false);
    if (ui.overview) ui.overview.hidden = false;
    notice.textContent = `Showing all ${plural(model.nodes.size, 'service')}` +
      (state.collapsed.size ? `; ${plural(state.collapsed.size, 'namespace')} collapsed (click a box to expand).` : '.') +
      (config.overview_level === 'workload' ? ' “Workloads”' : computedGroups ? ' “Groups”' : ' “Namespaces”') +
      ' returns to the overview.';
    if (ns !== null && ns !== undefined && model.groups.has(ns)) fitTo(model.groups.get(ns).box, 1.5); else fit();
    moveFrom(from);
    writeHash();
    showDefaultPanel();
  }

  // The overview with the services of `namespaces` drawn in full, laid out afresh by the
  // engine (the other namespaces stay one node each, their calls merged), in view around
  // `around` (a namespace). Edge labels as drawn are left out unless the page was written
  // with them always on: their rows would spread the services apart, and a hover gives the
  // numbers.
  function showExpanded(namespaces, around) {
    if (!engine) { withEngine(() => showExpanded(namespaces, around)); return; }
    const list = [...new Set(namespaces)].sort();
    const options = Object.assign({}, config.draw || {}, { expand: list });
    if (computedGroups) Object.assign(options, { group_by: 'calls', group: 'namespace' });
    if (options.edge_labels !== 'always') options.edge_labels = 'never';
    const drawn = drawView(options, placesNow());
    const from = drawn.from;
    const next = drawn.svg ? parseSvg(drawn.svg) : null;
    if (!next) { setStatus(`the ${groupWord()} could not be laid out (${drawn.error || 'unreadable drawing'})`, true); return; }
    clearFocus(true);
    swapDrawing(next);
    expandedText = drawn.svg;
    state.full = false;
    state.expanded = new Set(list);
    state.collapsed = new Set([...state.collapsed].filter((ns) => model.groups.has(ns)));
    applyCollapsed();
    applyLabels();
    search(state.q, false);
    if (ui.overview) ui.overview.hidden = false;
    let services = 0;
    for (const ns of list) services += (model.byNamespace.get(ns) || []).length;
    const word = groupWord();
    notice.textContent = `Showing ${list.length === 1 ? word + ' ' + list[0] : plural(list.length, word)} ` +
      `in full (${plural(services, 'service')}) among the others; click another ${word} to expand it too. ` +
      (computedGroups ? '“Groups”' : '“Namespaces”') + ' returns to the overview.';
    const box = model.groups.get(around !== undefined && model.groups.has(around) ? around : list[list.length - 1]);
    if (box) fitTo(box.box, 1.5); else fit();
    moveFrom(from);
    writeHash();
    showDefaultPanel();
  }

  // Whether a node of the overview stands for part of the full drawing.
  function expandable(node) {
    if (!config.overview || state.full) return false;
    if (config.overview_level === 'workload') return Boolean(config.members && config.members[node.id]);
    return node.kind === 'namespace';
  }

  // What an overview node stands for: its namespace's services drawn in full among the other
  // namespaces, or the full drawing with its workload's pods highlighted and in view.
  function expandOverviewNode(node) {
    if (config.overview_level !== 'workload') {
      const ns = node.ns !== null ? node.ns : node.name;
      showExpanded([...state.expanded, ns], ns);
      return;
    }
    if (!engine) { withEngine(() => expandOverviewNode(node)); return; }
    showFull(null);
    if (!state.full) return;
    for (const x of svg.querySelectorAll('.picked')) x.classList.remove('picked');
    const pods = (config.members[node.id] || []).map((id) => model.nodes.get(id)).filter(Boolean);
    for (const p of pods) p.el.classList.add('picked');
    if (pods.length) fitTo(union(pods.map(nodeBox)), 1.5);
    notice.textContent = `Showing all ${plural(model.nodes.size, 'service')}; ${node.name}'s ` +
      `${plural(pods.length, 'pod')} highlighted. “Workloads” returns to the overview.`;
  }

  function showOverview() {
    if (!overviewSvg) return;
    const from = placesNow();
    clearFocus(true);
    state.collapsed.clear();
    state.full = false;
    state.expanded = new Set();
    swapDrawing(overviewSvg);
    applyCollapsed();
    applyLabels();
    search(state.q, false);
    if (ui.overview) ui.overview.hidden = true;
    notice.textContent = overviewNotice;
    fit();
    moveFrom(from);
    writeHash();
    showDefaultPanel();
  }
  const overviewNotice = notice ? notice.textContent : '';
  if (ui.overview) ui.overview.addEventListener('click', showOverview);

  /* ---------- Edge labels ---------- */

  // One number of an edge's label (`auto` keeps the label as drawn).
  function labelText(edge, kind) {
    const n = edgeNumbers(edge);
    switch (kind) {
      case 'errors': return `${formatPercent(n.ratio)} err`;
      case 'p95': return n.p95 == null ? 'p95 —' : `p95 ${formatDuration(n.p95)}`;
      default: return `${formatRate(n.rps)} req/s`;
    }
  }
  function applyLabels() {
    let drawn = 0;
    for (const e of model.edges) {
      const t = e.el.querySelector(':scope > text');
      if (!t) continue;
      drawn++;
      if (e.label === null) e.label = { nodes: [...t.childNodes], y: t.getAttribute('y') };
      if (state.labels === 'auto') {
        t.replaceChildren(...e.label.nodes);
        t.setAttribute('y', e.label.y);
      } else {
        // One part on one line, in the middle of the label's place.
        const lines = e.label.nodes.length;
        t.textContent = labelText(e, state.labels);
        t.setAttribute('y', String(Number(e.label.y) + (lines - 1) * 5.5));
      }
    }
    ui.labels.disabled = drawn === 0 && model.edges.length > 0;
    scheduleNames();
    ui.labels.title = !ui.labels.disabled ? '' : svg === compactSvg
      ? 'Edge labels show when zoomed in far enough to read them; hover an edge for its numbers.'
      : 'This drawing has no edge labels (too many edges); hover an edge for its numbers.';
  }
  ui.labels.addEventListener('change', () => {
    state.labels = LABELS.includes(ui.labels.value) ? ui.labels.value : 'auto';
    applyLabels();
    writeHash();
  });

  /* ---------- Export ---------- */

  // The current view as a standalone SVG: what is hidden is left out, and the page's rules
  // for dimmed and highlighted elements travel along in a <style> block.
  function exportText() {
    const clone = svg.cloneNode(true);
    const hidden = ['.collapsed-member', '.collapsed-inside'];
    if (svg.classList.contains('focusing')) hidden.push('g.nodes > g.node:not(.focused)', 'g.edges > g.edge:not(.focused)', 'g.groups > g.group:not(.focused)');
    for (const x of clone.querySelectorAll(hidden.join(', '))) x.remove();
    for (const x of clone.querySelectorAll('.under-name')) x.classList.remove('under-name');
    const rules = [];
    for (const sheet of document.styleSheets) {
      let list = [];
      try { list = sheet.cssRules; } catch (e) { list = []; }
      for (const rule of list) {
        if (rule.selectorText && rule.selectorText.includes('.svcgraph') && !rule.selectorText.includes('entering') && !rule.selectorText.includes('leaving')) rules.push(rule.cssText);
      }
    }
    const style = document.createElementNS(SVG_NS, 'style');
    style.textContent = rules.join('\n');
    clone.insertBefore(style, clone.firstChild.nextSibling);
    clone.setAttribute('width', String(stage.clientWidth));
    clone.setAttribute('height', String(stage.clientHeight));
    clone.removeAttribute('data-viewbox');
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(clone) + '\n';
  }
  let exportUrl = null;
  ui.exportSvg.addEventListener('click', () => {
    // The previous file's URL is released on the next export, once its download has begun.
    if (exportUrl) URL.revokeObjectURL(exportUrl);
    exportUrl = URL.createObjectURL(new Blob([exportText()], { type: 'image/svg+xml' }));
    const a = document.createElement('a');
    a.href = exportUrl;
    a.download = 'service-graph.svg';
    document.body.append(a);
    a.click();
    a.remove();
  });

  /* ---------- The URL fragment ---------- */

  function writeHash() {
    // A link asking for a drawing of the engine's keeps its fragment until that is shown.
    if (hashWaits) return;
    const parts = [];
    const put = (k, v) => parts.push(k + '=' + encodeURIComponent(v));
    const focus = state.focus || pendingFocus;
    if (focus) { put('focus', focus); put('depth', state.depth); put('dir', state.dir); }
    if (state.q) put('q', state.q);
    if (state.labels !== 'auto') put('labels', state.labels);
    if (state.collapsed.size) parts.push('collapsed=' + [...state.collapsed].sort().map(encodeURIComponent).join(','));
    if (state.full) put('full', 1);
    if (state.expanded.size) parts.push('expand=' + [...state.expanded].sort().map(encodeURIComponent).join(','));
    if (state.fit) put('fit', 1);
    if (state.at) put('at', state.at);
    if (state.compare) put('compare', state.compare);
    const hash = parts.length ? '#' + parts.join('&') : '';
    if (hash === location.hash) return;
    try {
      history.replaceState(null, '', location.href.split('#')[0] + hash);
    } catch (e) {
      // A sandboxed frame (a notebook's srcdoc) may not rewrite its URL: the view still works.
    }
  }

  function readHash() {
    const p = new Map();
    for (const part of location.hash.replace(/^#/, '').split('&')) {
      if (!part) continue;
      const i = part.indexOf('=');
      const key = i < 0 ? part : part.slice(0, i);
      const raw = i < 0 ? '' : part.slice(i + 1);
      const decode = (s) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; } };
      p.set(key, key === 'collapsed' || key === 'expand' ? raw.split(',').filter(Boolean).map(decode) : decode(raw));
    }
    return p;
  }

  function applyHash() {
    hashWaits = false;
    const p = readHash();
    state.depth = clampDepth(p.get('depth') || 1);
    state.dir = DIRECTIONS.includes(p.get('dir')) ? p.get('dir') : 'both';
    state.labels = LABELS.includes(p.get('labels')) ? p.get('labels') : 'auto';
    state.fit = p.get('fit') === '1';
    state.collapsed = new Set(p.get('collapsed') || []);
    const at = p.get('at') || '';
    const compare = p.get('compare') || '';
    const q = p.get('q') || '';
    const focus = p.get('focus') || '';
    ui.depth.value = state.depth;
    ui.dir.value = state.dir;
    ui.labels.value = state.labels;
    ui.alwaysFit.checked = state.fit;
    ui.search.value = q;
    clearFocus(true);
    if (config.overview) {
      // The full drawing and expanded namespaces are the engine's: while it loads, the
      // overview shows, and the fragment is applied again once it has loaded.
      const wantFull = p.get('full') === '1';
      const wantExpanded = config.overview_level === 'workload' ? [] : [...new Set(p.get('expand') || [])].sort();
      const keep = state.collapsed;
      if ((wantFull || wantExpanded.length) && !engine && engineLoading) {
        hashWaits = true;
      } else if (wantFull) {
        if (!state.full) showFull(null);
      } else if (wantExpanded.length) {
        if (wantExpanded.join('\u0000') !== [...state.expanded].sort().join('\u0000')) showExpanded(wantExpanded);
      } else if (state.full || state.expanded.size) {
        showOverview();
      }
      state.collapsed = keep;
    }
    applyCollapsed();
    applyLabels();
    search(q, false);
    let changedTime = false;
    if (live) {
      changedTime = at !== state.at || compare !== state.compare;
      state.at = /^\d+$/.test(at) ? at : '';
      state.compare = /^\d+$/.test(compare) ? compare : '';
      syncLiveControls();
    }
    if (focus && engineLoading) { fit(); pendingFocus = focus; }
    else if (focus && (engine ? docId(focus) !== null : resolve(focus) !== null)) focusOn(focus);
    else if (q && matches.length && !state.fit) { nextMatch(); }
    else fit();
    writeHash();
    if (!hovered) showDefaultPanel();
    if (changedTime) refresh();
  }
  window.addEventListener('hashchange', applyHash);

  /* ---------- Live mode ---------- */

  let timer = null;
  let request = 0;
  let shownAt = null;
  // The tag of the drawing shown and what it answered: asked again for the same, the server
  // answers 304 without a body while the drawing is unchanged, and nothing is redrawn.
  let shownTag = null;
  let shownAsk = '';
  let shownNotes = [];
  // {since, error} while the server serves its last good view because the source fails.
  let shownStale = null;
  // When requests to the server began to fail (Unix ms), and how; null while they succeed.
  let failingSince = null;
  let failingHow = '';

  function setStatus(text, error) {
    statusLine.textContent = text;
    statusLine.classList.toggle('error', Boolean(error));
  }

  function syncLiveControls() {
    if (!live) return;
    const now = Math.floor(Date.now() / 1000);
    const offset = state.at ? Math.max(-live.history_seconds, Math.min(0, Number(state.at) - now)) : 0;
    ui.time.value = String(offset);
    ui.compare.value = [...ui.compare.options].some((o) => o.value === state.compare) ? state.compare : '';
    ui.timeLabel.textContent = state.at ? formatTime(Number(state.at)) : 'now';
    showLiveState();
  }

  // The badge: live, paused on a moment, stale (the server shows its last good view: the
  // source fails), or down (the server cannot be reached). Text only, from the server too.
  function showLiveState() {
    let text = state.at ? 'paused' : 'live';
    let kind = state.at ? 'paused' : '';
    if (failingSince !== null) {
      text = `${failingHow} since ${localClock(failingSince)}`;
      kind = 'down';
    } else if (shownStale && !state.at) {
      text = `stale — last good view ${localClock((shownAt || shownStale.since) * 1000)}, ` +
        `source failing since ${localClock(shownStale.since * 1000)}: ${shownStale.error}`;
      kind = 'stale';
    }
    ui.liveState.textContent = text;
    ui.liveState.title = text;
    ui.liveState.className = kind ? 'badge ' + kind : 'badge';
  }
  function staleOf(value) {
    if (!value || typeof value !== 'object' || !Number.isFinite(value.since)) return null;
    return { since: value.since, error: typeof value.error === 'string' ? value.error : 'unknown error' };
  }

  function schedule() {
    clearTimeout(timer);
    // A moment in the past does not change: only the present is polled.
    if (live && !state.at) timer = setTimeout(refresh, live.refresh_seconds * 1000);
  }

  function showStatus() {
    setStatus((shownAt !== null ? `showing ${formatTime(shownAt)}` : 'updated') +
      (state.compare ? ` compared with ${formatTime((shownAt || 0) - Number(state.compare))}` : '') +
      (shownNotes.length ? ' · ' + shownNotes.join(' · ') : ''));
  }

  // The "Data quality" section of a live view: the server writes it (names escaped); the
  // section keeps whether it is open.
  function showQuality(quality) {
    const box = document.getElementById('quality');
    if (!box || !quality || typeof quality.summary !== 'string' || typeof quality.body !== 'string') return;
    box.querySelector('summary').textContent = quality.summary;
    const parsed = new DOMParser().parseFromString(quality.body, 'text/html');
    box.querySelector('.quality-body').replaceChildren(...Array.from(parsed.body.childNodes, (n) => document.adoptNode(n)));
  }

  async function refresh() {
    if (!live) return;
    clearTimeout(timer);
    const mine = ++request;
    const ask = new URLSearchParams({ at: state.at, compare: state.compare }).toString();
    const headers = shownTag && ask === shownAsk ? { 'If-None-Match': shownTag } : {};
    try {
      const response = await fetch('api/view?' + ask, { cache: 'no-store', credentials: 'same-origin', headers });
      if (response.status === 304) {
        if (mine !== request) return;
        const at = Number(response.headers.get('x-svcgraph-at'));
        if (response.headers.get('x-svcgraph-at') !== null && Number.isFinite(at)) shownAt = at;
        failingSince = null;
        showStatus();
        showLiveState();
        return;
      }
      if (!response.ok) {
        const body = (await response.text()).slice(0, 300);
        const failure = new Error(`HTTP ${response.status}${body ? ': ' + body : ''}`);
        failure.how = `server failing (HTTP ${response.status})`;
        throw failure;
      }
      const data = await response.json();
      if (mine !== request) return; // a newer request is under way
      const next = data && typeof data.svg === 'string' ? parseSvg(data.svg) : null;
      if (!next) throw new Error('the server sent no drawing');
      replaceLive(next, data.graph);
      shownTag = response.headers.get('ETag');
      shownAsk = ask;
      shownAt = typeof data.at === 'number' ? data.at : null;
      shownNotes = Array.isArray(data.notes) ? data.notes.filter((n) => typeof n === 'string') : [];
      showQuality(data.quality);
      shownStale = staleOf(data.stale);
      failingSince = null;
      showStatus();
      showLiveState();
    } catch (e) {
      if (mine !== request) return;
      // fetch itself fails (a TypeError) when no answer arrives at all.
      const how = e && e.how ? e.how : e instanceof TypeError ? 'cannot reach the server' : 'refresh failing';
      if (failingSince === null || how !== failingHow) failingSince = Date.now();
      failingHow = how;
      showLiveState();
      setStatus(`refresh failed (${e && e.message ? e.message : e}); still showing the last drawing` +
        (shownAt !== null ? ` of ${formatTime(shownAt)}` : ''), true);
    } finally {
      if (mine === request) schedule();
    }
  }

  // Services that moved in a refreshed drawing glide from where they were (`was`: boxes by
  // id), and the calls fade in once they are there, so the eye can follow a new layout.
  function glideFrom(was) {
    let moved = 0;
    for (const [id, n] of model.nodes) {
      const old = was.get(id);
      if (!old) continue;
      const now = nodeBox(n);
      const dx = old.x + old.w / 2 - (now.x + now.w / 2);
      const dy = old.y + old.h / 2 - (now.y + now.h / 2);
      if (Math.abs(dx) < 1 && Math.abs(dy) < 1) continue;
      moved += 1;
      n.el.style.transform = `translate(${dx}px, ${dy}px)`;
    }
    if (!moved) return;
    const edges = svg.querySelector('g.edges');
    if (edges) edges.classList.add('entering');
    // Two frames: the first lays the nodes out where they were, the second lets them go.
    requestAnimationFrame(() => requestAnimationFrame(() => {
      for (const n of model.nodes.values()) {
        if (!n.el.style.transform) continue;
        n.el.classList.add('gliding');
        n.el.style.transform = '';
        n.el.addEventListener('transitionend', () => n.el.classList.remove('gliding'), { once: true });
      }
    }));
  }

  // Swaps in a refreshed drawing: pan, zoom, search, focus, collapsed namespaces and labels
  // stay; new services fade in, gone ones fade out, moved ones glide.
  function replaceLive(next, doc) {
    const before = model.nodes;
    const was = new Map();
    if (before.size <= MOVES_ANIMATED) for (const [id, n] of before) was.set(id, nodeBox(n));
    const focus = state.focus;
    // A focus drawn by the engine is laid out again from its own places, not the refreshed
    // drawing's (which is never shown in between).
    const focusFrom = focus && svg === focusSvg ? placesNow() : undefined;
    if (doc && typeof doc === 'object') { graphDoc = doc; graphText = JSON.stringify(doc); docIndex = indexDocument(doc); }
    // The server's drawing is the full one: an expanded namespace is a box among the others.
    state.expanded = new Set();
    fullSvg = null;
    swapDrawing(next);
    for (const [id, n] of model.nodes) if (!before.has(id)) n.el.classList.add('entering');
    glideFrom(was);
    const layer = svg.querySelector('g.nodes');
    for (const [id, n] of before) {
      if (model.nodes.has(id) || !layer || n.el.classList.contains('collapsed-member')) continue;
      const ghost = n.el.cloneNode(true);
      ghost.classList.add('leaving');
      ghost.addEventListener('animationend', () => ghost.remove());
      layer.append(ghost);
    }
    applyCollapsed();
    applyLabels();
    search(state.q, false);
    if (focus && (engine ? docId(focus) !== null : model.nodes.has(focus))) {
      const keep = state.fit;
      focusOn(focus, focusFrom);
      state.fit = keep;
    } else if (focus) { state.focus = ''; writeHash(); }
    if (state.fit) fit(); else applyView();
    showDefaultPanel();
  }

  if (live) {
    ui.time.addEventListener('input', () => {
      const offset = Number(ui.time.value);
      ui.timeLabel.textContent = offset === 0 ? 'now' : formatTime(Math.floor(Date.now() / 1000) + offset);
    });
    ui.time.addEventListener('change', () => {
      const offset = Number(ui.time.value);
      state.at = offset === 0 ? '' : String(Math.floor(Date.now() / 1000) + offset);
      syncLiveControls(); writeHash(); refresh();
    });
    ui.compare.addEventListener('change', () => {
      state.compare = ui.compare.value;
      syncLiveControls(); writeHash(); refresh();
    });
    ui.goLive.addEventListener('click', () => {
      state.at = '';
      syncLiveControls(); writeHash(); refresh();
    });
  }

  /* ---------- Start ---------- */

  // A test and debugging handle: the state and a few actions, no data beyond the page's.
  window.svcgraphView = {
    state, focus: focusOn, clearFocus: () => clearFocus(), collapse, expand, showFull, showOverview,
    // A namespace of the overview expanded (its services drawn in full among the others).
    showExpanded: (ns) => showExpanded([...state.expanded, ns], ns),
    // The SVG the engine wrote for the full drawing and for the namespaces expanded, while shown.
    fullText: () => (svg === fullSvg ? fullText : ''),
    expandedText: () => (state.expanded.size && !state.focus ? expandedText : ''),
    exportText, refresh, fit, matches: () => matches.slice(), formatRate, formatPercent, formatDuration,
    // The last placing of the names: its time in ms, services in view, names shown, font px.
    names: () => Object.assign({}, namesPass),
    placeNames: () => { cancelAnimationFrame(namesFrame); placeNames(); return Object.assign({}, namesPass); },
    // Whether the engine runs, and the SVG it wrote for the focus shown ('' without one).
    engine: () => engine !== null, focusText: () => (svg === focusSvg ? focusText : ''),
    // The SVG the engine wrote for the drawing without edge-label rows, while it is shown.
    compactText: () => (svg === compactSvg ? compactText : ''),
    // Whether the drawing is painted on the canvas, and the last painting: its time in ms,
    // whether from the whole drawing's bitmap, arrowheads painted, tiles shown and missing
    // (shown stretched from another scale until painted), a tile's cost in ms.
    canvas: () => scene !== null, painted: () => Object.assign({}, paintPass),
    // How many animations of a change of view are running (0 once it has ended).
    moving: () => moves.length,
    // The view: the drawing's point at the stage's top-left and pixels per unit; zoomed by a
    // factor about a point of the stage (pixels from its top-left), as the wheel zooms.
    view: () => Object.assign({}, view),
    zoomAt: (px, py, factor) => { userMoved(); zoomAt(px, py, factor); },
    // Where a service's box is on the stage, in pixels from its top-left: [x0, y0, x1, y1].
    onStage: (id) => {
      const n = model.nodes.get(id);
      if (!n) return null;
      const b = nodeBox(n);
      return [(b.x - view.x) * view.k, (b.y - view.y) * view.k, (b.x + b.w - view.x) * view.k, (b.y + b.h - view.y) * view.k];
    },
  };

  useCanvas();
  applyHash();
  // A big live graph starts with its namespaces collapsed, unless the link says otherwise.
  if (live && !location.hash.includes('collapsed=') && model.nodes.size > (config.threshold || 400) && model.groups.size > 1) {
    for (const ns of model.groups.keys()) state.collapsed.add(ns);
    applyCollapsed();
    fit();
    writeHash();
  }
  if (live) { syncLiveControls(); schedule(); setStatus('live: refreshes every ' + live.refresh_seconds + ' s'); }
  // Ready once the engine has loaded (or could not), a focus the link asks for is drawn by
  // it, and the first frame with the drawing has been produced.
  const ready = () => requestAnimationFrame(() => requestAnimationFrame(() => {
    changesAnimate = true;
    window.svcgraphReady = performance.now();
    warmEngine();
  }));
  // On a big graph's overview, once the page is idle, the engine draws one small focus: it
  // reads the graph document then (and keeps it, with its computed groups where the overview
  // shows such), and the browser compiles its hot code, so
  // the first namespace expanded or service focused costs only its own layout.
  function warmEngine() {
    if (!engine || !config.overview || !graphDoc.nodes || !graphDoc.nodes.length) return;
    const whenIdle = window.requestIdleCallback || ((f) => setTimeout(f, 200));
    whenIdle(() => {
      // An overview of computed groups: the engine computes them then too (and keeps them).
      const grouped = computedGroups ? { group_by: 'calls' } : {};
      try { engine.draw(graphText, Object.assign({}, config.draw || {}, grouped, { focus: graphDoc.nodes[0].id })); } catch (e) { /* only a warm-up */ }
      window.svcgraphWarm = performance.now();
    }, { timeout: 2000 });
  }
  loadEngine().catch(() => null).then((loaded) => {
    engine = loaded;
    engineLoading = false;
    // The focus the link asked for: drawn by the engine, or without it as before.
    const focus = pendingFocus;
    pendingFocus = '';
    if (hashWaits) applyHash();
    else if (focus && !(engine && drawFocus(focus))) applyHash();
    const waiting = afterEngine.splice(0);
    if (engine) for (const action of waiting) action();
    else if (waiting.length) withEngine(() => {}); // says why nothing more can be drawn
    prepareCompact();
    ready();
  });
})();
