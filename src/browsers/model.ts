import { type Connection, type Model, Schema } from 'mongoose';

/**
 * The browsers a member has signed in with, each known by a keyed hash of the random id in its
 * device cookie (never the id itself), so that a sign-in from a browser not seen before can be
 * told to the member. A few per member: the least recently used are forgotten.
 */
export interface KnownBrowser {
  _id: string;
  memberId: string;
  digest: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

const schema = new Schema<KnownBrowser>(
  {
    _id: { type: String, required: true },
    memberId: { type: String, required: true },
    digest: { type: String, required: true },
    firstSeenAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
  },
  { collection: 'known_browsers', versionKey: false },
);
schema.index({ memberId: 1, digest: 1 }, { unique: true });

export type KnownBrowserModel = Model<KnownBrowser>;
export function createKnownBrowserModel(connection: Connection): KnownBrowserModel {
  return connection.model<KnownBrowser>('KnownBrowser', schema);
}
