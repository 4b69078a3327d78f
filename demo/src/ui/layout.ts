/**
 * Geometry of the classroom stage, in the SVG's own units: members on a circle, clients below it,
 * where a message is along its link at a given virtual time, and which members can still reach a
 * quorum across the links a user cut. Pure functions (unit-tested in test/unit/demo).
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A card: centre and size. */
export interface Box {
  readonly cx: number;
  readonly cy: number;
  readonly w: number;
  readonly h: number;
}

export interface StageSize {
  readonly width: number;
  readonly height: number;
}

export const STAGE: StageSize = { width: 1100, height: 800 };
export const CARD = { w: 300, h: 226 } as const;
export const CLIENT_BOX = { w: 230, h: 70 } as const;

/**
 * N member cards evenly on an ellipse that fits the stage, the first at the top, clockwise (so m1 is
 * always at 12 o'clock and the order reads like a clock face).
 */
export function ringLayout(n: number, stage: StageSize = STAGE, card: { w: number; h: number } = CARD): Box[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`ringLayout needs a positive member count, got ${n}`);
  const cx = stage.width / 2;
  // Leave the bottom band for the clients.
  const cy = (stage.height - CLIENT_BOX.h - 30) / 2 + 6;
  const rx = stage.width / 2 - card.w / 2 - 24;
  const ry = cy - card.h / 2 - 14;
  const boxes: Box[] = [];
  for (let i = 0; i < n; i++) {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    const x = n === 1 ? cx : cx + rx * Math.cos(angle);
    const y = n === 1 ? cy : cy + ry * Math.sin(angle);
    boxes.push({ cx: round(x), cy: round(y), w: card.w, h: card.h });
  }
  return boxes;
}

/** Client boxes along the bottom edge, spread out, left to right. */
export function clientLayout(n: number, stage: StageSize = STAGE): Box[] {
  const boxes: Box[] = [];
  const y = stage.height - CLIENT_BOX.h / 2 - 8;
  for (let i = 0; i < n; i++) {
    const x = n === 1 ? stage.width / 2 : CLIENT_BOX.w / 2 + 20 + ((stage.width - CLIENT_BOX.w - 40) * i) / (n - 1);
    boxes.push({ cx: round(x), cy: y, w: CLIENT_BOX.w, h: CLIENT_BOX.h });
  }
  return boxes;
}

/** Where the ray from the box's centre towards `toward` leaves the box (its border point). */
export function clipToBox(box: Box, toward: Point, margin = 0): Point {
  const dx = toward.x - box.cx;
  const dy = toward.y - box.cy;
  if (dx === 0 && dy === 0) return { x: box.cx, y: box.cy };
  const hw = box.w / 2 + margin;
  const hh = box.h / 2 + margin;
  const tx = dx === 0 ? Infinity : hw / Math.abs(dx);
  const ty = dy === 0 ? Infinity : hh / Math.abs(dy);
  const t = Math.min(tx, ty);
  return { x: box.cx + dx * t, y: box.cy + dy * t };
}

/**
 * The path a message takes from one box to another: border to border, shifted sideways by `lane` so
 * the two directions of a link run side by side instead of on top of each other.
 */
export function lanePath(from: Box, to: Box, lane: number): { start: Point; end: Point } {
  const a = { x: from.cx, y: from.cy };
  const b = { x: to.cx, y: to.cy };
  const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  // Perpendicular to the right of the direction of travel.
  const nx = -(b.y - a.y) / len;
  const ny = (b.x - a.x) / len;
  const shift = (p: Point): Point => ({ x: p.x + nx * lane, y: p.y + ny * lane });
  const start = clipToBox(from, b, 4);
  const end = clipToBox(to, a, 4);
  return { start: shift(start), end: shift(end) };
}

/** How far along its path a message is at virtual time `now`: 0 at send, 1 at arrival, clamped. */
export function progress(now: number, sentAt: number, arriveAt: number): number {
  if (!(arriveAt > sentAt)) return now >= arriveAt ? 1 : 0;
  return Math.min(1, Math.max(0, (now - sentAt) / (arriveAt - sentAt)));
}

export function along(start: Point, end: Point, t: number): Point {
  return { x: start.x + (end.x - start.x) * t, y: start.y + (end.y - start.y) * t };
}

export function midpoint(a: Point, b: Point): Point {
  return along(a, b, 0.5);
}

/** The key of an undirected link, smaller id first. */
export function linkKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** Every link between `side` and the rest: what a partition cuts. */
export function partitionLinks(side: readonly number[], all: readonly number[]): [number, number][] {
  const inSide = new Set(side);
  const out: [number, number][] = [];
  for (const a of all) {
    for (const b of all) {
      if (a < b && inSide.has(a) !== inSide.has(b)) out.push([a, b]);
    }
  }
  return out;
}

/**
 * Groups of live members that can still talk (through any chain of uncut links), biggest first, and
 * whether each can form a quorum of the whole ensemble: what the page calls majority and minority.
 */
export function reachableGroups(
  all: readonly number[],
  alive: (id: number) => boolean,
  cut: (a: number, b: number) => boolean,
): { members: number[]; quorum: boolean }[] {
  const quorum = Math.floor(all.length / 2) + 1;
  const seen = new Set<number>();
  const groups: { members: number[]; quorum: boolean }[] = [];
  for (const start of all) {
    if (seen.has(start) || !alive(start)) continue;
    const group: number[] = [];
    const stack = [start];
    seen.add(start);
    while (stack.length) {
      const x = stack.pop()!;
      group.push(x);
      for (const y of all) {
        if (!seen.has(y) && alive(y) && !cut(x, y)) {
          seen.add(y);
          stack.push(y);
        }
      }
    }
    group.sort((p, q) => p - q);
    groups.push({ members: group, quorum: group.length >= quorum });
  }
  return groups.sort((g, h) => h.members.length - g.members.length || g.members[0]! - h.members[0]!);
}

/** A log-scale slider position (0..1000) to a speed in virtual ms per real ms, and back. */
export const SPEED_MIN = 0.0005;
export const SPEED_MAX = 0.5;

export function sliderToSpeed(position: number): number {
  const t = Math.min(1000, Math.max(0, position)) / 1000;
  return SPEED_MIN * Math.pow(SPEED_MAX / SPEED_MIN, t);
}

export function speedToSlider(speed: number): number {
  const s = Math.min(SPEED_MAX, Math.max(SPEED_MIN, speed));
  return Math.round((1000 * Math.log(s / SPEED_MIN)) / Math.log(SPEED_MAX / SPEED_MIN));
}

/** "1 s of your time = 5 ms of the ensemble's": how a speed is put in words. */
export function describeSpeed(speed: number): string {
  const ms = speed * 1000;
  const text = ms >= 10 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(2);
  return `1 s = ${text} virtual ms`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
