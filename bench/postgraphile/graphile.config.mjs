// PostGraphile v5, the peer: the amber preset over the benchmark's PostgreSQL database.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"], poolConfig: { max: 10 } })],
  grafserv: { port: Number(process.env.PORT), host: "127.0.0.1", graphqlPath: "/graphql" },
  grafast: { explain: false },
};
