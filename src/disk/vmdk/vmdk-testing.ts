/**
 * Writers for the two VMDK sparse flavours no packaged tool creates (ESX COWD redo logs and
 * ESXi seSparse snapshots). Tests use them only alongside qemu, whose readers referee the layout.
 */
import { writeFileSync } from 'node:fs';

/**
 * An ESX-style COWD (VMFSSPARSE) redo log, written here because no packaged tool makes one;
 * qemu's COWD reader is the referee that it is laid out correctly.
 */
export function writeCowd(path: string, content: Uint8Array, allocatedGrains: Set<number>, grainSectors: number): void {
  const capacity = content.length / 512;
  const gtEntries = 4096;
  const grainBytes = grainSectors * 512;
  const gdEntries = Math.ceil(capacity / (grainSectors * gtEntries));
  const gdSector = 4; // after the 2048-byte header
  const gdSectors = Math.ceil((gdEntries * 4) / 512);
  const gtSectors = (gtEntries * 4) / 512;
  const firstGt = gdSector + gdSectors;
  const firstGrain = firstGt + gdEntries * gtSectors;
  const sorted = [...allocatedGrains].sort((a, b) => a - b);
  const out = Buffer.alloc((firstGrain + sorted.length * grainSectors) * 512);
  out.write('COWD', 0, 'latin1');
  out.writeUInt32LE(1, 4); // version
  out.writeUInt32LE(3, 8); // flags
  out.writeUInt32LE(capacity, 12);
  out.writeUInt32LE(grainSectors, 16);
  out.writeUInt32LE(gdSector, 20);
  out.writeUInt32LE(gdEntries, 24);
  out.writeUInt32LE(firstGrain + sorted.length * grainSectors, 28); // freeSector
  for (let i = 0; i < gdEntries; i++) out.writeUInt32LE(firstGt + i * gtSectors, gdSector * 512 + i * 4);
  // Store grains in reverse order so host runs are not trivially contiguous.
  sorted.reverse().forEach((g, k) => {
    const sector = firstGrain + k * grainSectors;
    const gt = Math.floor(g / gtEntries);
    out.writeUInt32LE(sector, (firstGt + gt * gtSectors) * 512 + (g % gtEntries) * 4);
    out.set(content.subarray(g * grainBytes, (g + 1) * grainBytes), sector * 512);
  });
  writeFileSync(path, out);
}

/**
 * An ESXi seSparse snapshot extent (also not made by any packaged tool; qemu reads it as referee).
 * `zeroGrains` get the "zeroed" tag and `unmappedGrains` the "SCSI unmapped" tag: both hide the parent.
 */
export function writeSeSparse(path: string, content: Uint8Array, grains: Set<number>, zeroGrains: Set<number>, unmappedGrains: Set<number>): void {
  const capacity = content.length / 512;
  const grainSectors = 8;
  const gtEntries = 4096;
  const gtSectors = 64;
  const gdEntries = Math.ceil(capacity / (grainSectors * gtEntries));
  const gdSectors = Math.ceil((gdEntries * 8) / 512);
  const gdSector = 4;
  const gtBase = gdSector + gdSectors;
  const grainBase = gtBase + gdEntries * gtSectors;
  const sorted = [...grains].sort((a, b) => b - a); // reverse order: no trivially contiguous runs
  const out = Buffer.alloc((grainBase + sorted.length * grainSectors) * 512);
  const u64 = (off: number, v: bigint) => out.writeBigUInt64LE(v, off);
  u64(0, 0xcafebaben);
  u64(8, 0x0000000200000001n);
  u64(16, BigInt(capacity));
  u64(24, BigInt(grainSectors));
  u64(32, BigInt(gtSectors));
  u64(80, 1n); // volatile header sector
  u64(88, 1n);
  u64(96, 2n); // journal header
  u64(104, 1n);
  u64(112, 3n); // journal
  u64(120, 1n);
  u64(128, BigInt(gdSector));
  u64(136, BigInt(gdSectors));
  u64(144, BigInt(gtBase));
  u64(152, BigInt(gdEntries * gtSectors));
  u64(192, BigInt(grainBase));
  u64(200, BigInt(sorted.length * grainSectors));
  u64(512, 0xcafecafen); // volatile header magic; replay_journal stays 0
  for (let i = 0; i < gdEntries; i++) u64(gdSector * 512 + i * 8, 0x1000000000000000n | BigInt(i));
  const gte = (g: number, v: bigint) => u64(gtBase * 512 + Math.floor(g / gtEntries) * gtSectors * 512 + (g % gtEntries) * 8, v);
  sorted.forEach((g, cluster) => {
    const c = BigInt(cluster);
    gte(g, (3n << 60n) | ((c & 0xfffn) << 48n) | (c >> 12n));
    out.set(content.subarray(g * 4096, (g + 1) * 4096), (grainBase + cluster * grainSectors) * 512);
  });
  for (const g of zeroGrains) gte(g, 2n << 60n);
  for (const g of unmappedGrains) gte(g, 1n << 60n);
  writeFileSync(path, out);
}
