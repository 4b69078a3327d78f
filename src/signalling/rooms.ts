/**
 * Who is in which room: the only state the server keeps. Generic over the connection type so it can
 * be unit-tested without sockets. A room exists while it has members; in open mode its verifier
 * (the room key) is forgotten with it.
 */
export interface Room<C> {
  readonly name: string;
  /** The room key the joiners' proofs are checked against. */
  readonly key: Buffer;
  readonly members: Map<string, C>;
}

export class Rooms<C> {
  private readonly rooms = new Map<string, Room<C>>();

  get(name: string): Room<C> | undefined {
    return this.rooms.get(name);
  }

  /** Add a member, creating the room with `key` if it is empty. Returns the connection it replaced, if any. */
  add(name: string, key: Buffer, memberId: string, conn: C): { room: Room<C>; replaced: C | undefined } {
    let room = this.rooms.get(name);
    if (room === undefined) this.rooms.set(name, (room = { name, key, members: new Map() }));
    const replaced = room.members.get(memberId);
    room.members.set(memberId, conn);
    return { room, replaced };
  }

  /** Remove a member only if `conn` is still the one registered (a replaced connection's late close is a no-op). */
  remove(name: string, memberId: string, conn: C): boolean {
    const room = this.rooms.get(name);
    if (room === undefined || room.members.get(memberId) !== conn) return false;
    room.members.delete(memberId);
    if (room.members.size === 0) this.rooms.delete(name);
    return true;
  }

  counts(): { rooms: number; members: number } {
    let members = 0;
    for (const r of this.rooms.values()) members += r.members.size;
    return { rooms: this.rooms.size, members };
  }
}
