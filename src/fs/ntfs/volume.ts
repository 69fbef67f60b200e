/**
 * The MFT layer: bootstraps the $MFT's own runlist (following an $ATTRIBUTE_LIST in record 0
 * for fragmented MFTs), reads and caches MFT records, and assembles nodes (files) from their
 * base and extension records.
 */
import type { BlockDevice } from '../../disk/block-device.js';
import { GuestguardError } from '../../errors.js';
import { LruCache } from '../../util/lru.js';
import { parseAttrList, type AttrListEntry } from './attr-list.js';
import type { NtfsBoot } from './boot.js';
import { AT_ATTRIBUTE_LIST, AT_DATA, MAX_ATTRIBUTE_LIST, MAX_EXTENSION_RECORDS, MFT_RECORD_UPCASE } from './constants.js';
import { corrupt } from './errors.js';
import { NtfsNode } from './node.js';
import { parseRecord, recordName, type AttrRecord, type MftRecord } from './record.js';
import { findRun } from './runlist.js';
import { attrLabel, buildStream, StreamReader, type Stream } from './stream.js';
import { UpCase } from './upcase.js';

const MFT_LABEL = '$MFT';

export class NtfsVolume {
  readonly reader: StreamReader;
  readonly warnings: string[] = [];
  private mft!: Stream;
  private recordTotal = 0;
  private readonly records = new LruCache<number, MftRecord>(4096);
  private readonly nodes = new LruCache<number, NtfsNode>(2048);
  private readonly pending = new Map<number, Promise<NtfsNode>>();
  private upcaseTable: Promise<UpCase> | undefined;

  private constructor(
    readonly boot: NtfsBoot,
    readonly cached: BlockDevice,
    readonly raw: BlockDevice,
  ) {
    this.reader = new StreamReader({ boot, cached, raw });
  }

  static async open(boot: NtfsBoot, cached: BlockDevice, raw: BlockDevice): Promise<NtfsVolume> {
    const vol = new NtfsVolume(boot, cached, raw);
    await vol.bootstrapMft();
    return vol;
  }

  /** Number of records the $MFT holds. */
  get recordCount(): number {
    return this.recordTotal;
  }

  get mftStream(): Stream {
    return this.mft;
  }

  /** Device offset of MFT record `n` (its first byte), for diagnostics and tests. */
  recordOffset(n: number): number | undefined {
    return this.streamOffset(this.mft, n * this.boot.mftRecordSize);
  }

  /** Device offset of byte `pos` of a non-resident stream, or undefined (sparse, unmapped). */
  streamOffset(s: Stream, pos: number): number | undefined {
    if (s.resident) return undefined;
    const cs = this.boot.clusterSize;
    const runs = this.reader.runs(s);
    const i = findRun(runs, Math.floor(pos / cs));
    const r = runs[i];
    if (!r || r.lcn < 0) return undefined;
    return r.lcn * cs + (pos - r.vcn * cs);
  }

  private async bootstrapMft(): Promise<void> {
    const { boot } = this;
    const rs = boot.mftRecordSize;
    const offset = boot.mftLcn * boot.clusterSize;
    const rec0 = parseRecord(new Uint8Array(await this.cached.read(offset, rs)), 0, offset);
    if (!rec0.inUse) throw corrupt('the $MFT record is not in use', recordName(0), offset);
    const known: AttrRecord[] = rec0.attrs.filter((a) => a.type === AT_DATA && a.name === '');
    if (known.length === 0) throw corrupt('the $MFT has no $DATA attribute', recordName(0), offset);
    if (known.some((a) => a.resident)) throw corrupt('the $MFT $DATA attribute is resident', recordName(0), offset);
    const list = rec0.attrs.filter((a) => a.type === AT_ATTRIBUTE_LIST);
    if (list.length > 1) throw corrupt('several $ATTRIBUTE_LIST attributes', recordName(0), offset);
    if (list.length === 1) {
      const entries = await this.readAttrList(list[0]!, 0);
      const extents = entries.filter((e) => e.type === AT_DATA && e.name === '' && e.recordNo !== 0).sort((a, b) => a.lowestVcn - b.lowestVcn);
      if (extents.length > MAX_EXTENSION_RECORDS) throw corrupt(`${extents.length} $DATA extents`, `$ATTRIBUTE_LIST of ${recordName(0)}`);
      const have = new Set(known.map((k) => k.lowestVcn));
      let partial = this.partialMft(known);
      for (const e of extents) {
        if (have.has(e.lowestVcn)) continue;
        // The extension record must lie in the part of the $MFT mapped so far.
        const pos = e.recordNo * rs;
        if (pos + rs > partial.initSize) partial = this.partialMft(known);
        if (pos + rs > partial.initSize) {
          throw corrupt(`MFT record ${e.recordNo} holding the $MFT extent at VCN ${e.lowestVcn} lies outside the part of the $MFT mapped before it`, `$ATTRIBUTE_LIST of ${recordName(0)}`);
        }
        const ext = await this.readRecordFrom(partial, e.recordNo);
        if (!ext.inUse || ext.baseRecord !== 0) throw corrupt(`is not an extension record of the $MFT (base ${ext.baseRecord})`, recordName(e.recordNo), ext.offset);
        const found = ext.attrs.filter((a) => a.type === AT_DATA && a.name === '' && !a.resident && a.lowestVcn === e.lowestVcn);
        if (found.length !== 1) throw corrupt(`does not hold the $MFT $DATA extent at VCN ${e.lowestVcn}`, recordName(e.recordNo), ext.offset);
        known.push(found[0]!);
        have.add(e.lowestVcn);
      }
    }
    this.mft = buildStream(known, 0, boot);
    if (this.mft.compressed || this.mft.encrypted) throw corrupt('the $MFT is compressed or encrypted', MFT_LABEL, offset);
    this.recordTotal = Math.floor(this.mft.initSize / rs);
    if (this.recordTotal < 16) throw corrupt(`the $MFT holds only ${this.recordTotal} records`, MFT_LABEL, offset);
    if (this.recordTotal > (boot.totalClusters * boot.clusterSize) / rs) throw corrupt(`the $MFT claims ${this.recordTotal} records, more than the volume can hold`, MFT_LABEL, offset);
  }

  /** The $MFT as far as the extents found so far map it (bootstrap only). */
  private partialMft(known: AttrRecord[]): Stream {
    const sorted = [...known].sort((a, b) => a.lowestVcn - b.lowestVcn);
    let end = 0;
    for (const e of sorted) {
      if (e.lowestVcn !== end) break;
      end = e.highestVcn + 1;
    }
    const head = sorted[0]!;
    const mapped = Math.min(end * this.boot.clusterSize, head.initializedSize);
    const usable = sorted.filter((e) => e.highestVcn < end);
    return {
      owner: 0,
      type: AT_DATA,
      name: '',
      label: attrLabel(AT_DATA, '', 0),
      resident: false,
      size: mapped,
      initSize: mapped,
      allocSize: mapped,
      flags: 0,
      compressed: false,
      cuShift: 0,
      encrypted: false,
      sparse: false,
      extents: usable,
    };
  }

  private async readRecordFrom(mft: Stream, n: number): Promise<MftRecord> {
    const rs = this.boot.mftRecordSize;
    const bytes = await this.reader.read(mft, n * rs, rs, true);
    // NaN (unknown) only where the $MFT is sparse; errors then omit the offset.
    const offset = this.streamOffset(mft, n * rs) ?? NaN;
    if (bytes.length !== rs) throw corrupt(`record lies beyond the end of the $MFT`, recordName(n), offset);
    return parseRecord(bytes, n, offset);
  }

  /** MFT record `n`, fixed up and parsed (cached). */
  async record(n: number): Promise<MftRecord> {
    const hit = this.records.get(n);
    if (hit) return hit;
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.recordTotal) {
      throw corrupt(`MFT record ${n} is beyond the end of the $MFT (${this.recordTotal} records)`, MFT_LABEL);
    }
    const rec = await this.readRecordFrom(this.mft, n);
    this.records.set(n, rec);
    return rec;
  }

  /** The file whose base record is `n`, with extension records merged in (cached). */
  node(n: number): Promise<NtfsNode> {
    const hit = this.nodes.get(n);
    if (hit) return Promise.resolve(hit);
    let p = this.pending.get(n);
    if (!p) {
      p = this.loadNode(n).finally(() => this.pending.delete(n));
      this.pending.set(n, p);
    }
    return p;
  }

  private async loadNode(n: number): Promise<NtfsNode> {
    const base = await this.record(n);
    if (!base.inUse) throw corrupt('record is not in use (deleted file referenced?)', recordName(n), base.offset);
    if (base.baseRecord !== 0) throw corrupt(`is an extension record of MFT record ${base.baseRecord}, not a file`, recordName(n), base.offset);
    const attrs = [...base.attrs];
    const lists = base.attrs.filter((a) => a.type === AT_ATTRIBUTE_LIST);
    if (lists.length > 1) throw corrupt('several $ATTRIBUTE_LIST attributes', recordName(n), base.offset);
    const extensions: number[] = [];
    if (lists.length === 1) {
      const entries = await this.readAttrList(lists[0]!, n);
      const recs = [...new Set(entries.map((e) => e.recordNo).filter((r) => r !== n))];
      if (recs.length > MAX_EXTENSION_RECORDS) throw corrupt(`${recs.length} extension records`, `$ATTRIBUTE_LIST of ${recordName(n)}`);
      for (const r of recs) {
        const ext = await this.record(r);
        if (!ext.inUse || ext.baseRecord !== n) {
          throw corrupt(`extension record of MFT record ${n} is ${ext.inUse ? `owned by record ${ext.baseRecord}` : 'not in use'}`, recordName(r), ext.offset);
        }
        attrs.push(...ext.attrs);
        extensions.push(r);
      }
    }
    const node = new NtfsNode(n, base, attrs, extensions, lists.length === 1, this.boot);
    this.nodes.set(n, node);
    return node;
  }

  private async readAttrList(a: AttrRecord, owner: number): Promise<AttrListEntry[]> {
    const label = attrLabel(AT_ATTRIBUTE_LIST, '', owner);
    let value: Uint8Array;
    if (a.resident) value = a.value!;
    else {
      const s = buildStream([a], owner, this.boot);
      if (s.size > MAX_ATTRIBUTE_LIST) throw corrupt(`attribute list of ${s.size} bytes exceeds ${MAX_ATTRIBUTE_LIST}`, label, a.offset);
      value = await this.reader.read(s, 0, s.size, true);
    }
    return parseAttrList(value, label, a.offset);
  }

  /** Reads a whole (small) stream; `max` guards the allocation. */
  async readAll(s: Stream, max: number): Promise<Uint8Array> {
    if (s.size > max) throw corrupt(`${s.size} bytes exceed the ${max}-byte limit`, s.label);
    return this.reader.read(s, 0, s.size, true);
  }

  /** The volume's $UpCase table (record 10), or Unicode uppercase when it is unusable. */
  upcase(): Promise<UpCase> {
    this.upcaseTable ??= (async () => {
      try {
        const s = (await this.node(MFT_RECORD_UPCASE)).stream(AT_DATA);
        if (!s || s.size < 256) throw corrupt('$UpCase has no usable $DATA', recordName(MFT_RECORD_UPCASE));
        return UpCase.fromTable(await this.readAll(s, 131072 * 2));
      } catch (err) {
        if (!(err instanceof GuestguardError)) throw err;
        this.warnings.push(`$UpCase table unusable (${err.message}); name lookups use Unicode upper case`);
        return UpCase.fallback();
      }
    })();
    return this.upcaseTable;
  }
}
