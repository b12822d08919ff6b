// What Kysely's migrator learns about PostgreSQL tables, read from our own schema only. Kysely's stock
// introspector reads every schema of the database and calls functions on each schema's name; a schema
// another process drops meanwhile (a neighbouring app, a parallel test) fails that query with
// `schema "..." does not exist`, and with it our migration. Nothing here looks outside current_schema().
import { type DatabaseIntrospector, type Kysely, type SchemaMetadata, sql, type TableMetadata } from 'kysely';

interface ColumnRow {
  table: string;
  kind: string;
  schema: string;
  column: string | null;
  type: string | null;
  typeSchema: string | null;
  notNull: boolean | null;
  hasDefault: boolean | null;
  sequence: string | null;
}

export class OwnSchemaIntrospector implements DatabaseIntrospector {
  // biome-ignore lint/suspicious/noExplicitAny: the introspector serves any table set
  constructor(private readonly db: Kysely<any>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(this.db);
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      select c.relname as table, c.relkind as kind, ns.nspname as schema, a.attname as column,
             t.typname as type, tns.nspname as "typeSchema", a.attnotnull as "notNull", a.atthasdef as "hasDefault",
             pg_get_serial_sequence(quote_ident(ns.nspname) || '.' || quote_ident(c.relname), a.attname) as sequence
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
      left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      left join pg_catalog.pg_type t on t.oid = a.atttypid
      left join pg_catalog.pg_namespace tns on tns.oid = t.typnamespace
      where ns.nspname = current_schema() and c.relkind in ('r', 'v', 'p')
      order by c.relname, a.attnum`.execute(this.db);
    return groupByTable(rows);
  }

  async getMetadata(): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables() };
  }
}

function groupByTable(rows: ColumnRow[]): TableMetadata[] {
  const tables = new Map<string, TableMetadata & { columns: TableMetadata['columns'][number][] }>();
  for (const row of rows) {
    let table = tables.get(row.table);
    if (!table) {
      table = { name: row.table, schema: row.schema, isView: row.kind === 'v', columns: [] };
      tables.set(row.table, table);
    }
    if (row.column === null) continue;
    table.columns.push({
      name: row.column,
      dataType: row.type ?? 'unknown',
      ...(row.typeSchema ? { dataTypeSchema: row.typeSchema } : {}),
      isNullable: !row.notNull,
      isAutoIncrementing: row.sequence !== null,
      hasDefaultValue: Boolean(row.hasDefault),
    });
  }
  return [...tables.values()];
}
