import { NAR_MAGIC, padding } from './nar-framing.ts';
import {
  type NarListing,
  type NarListingDirectory,
  type NarListingNode,
  type NarListingRegular,
  setEntry,
} from './nar-listing.ts';
import { bad, NarReader, printable } from './nar-reader.ts';

export interface NarParserLimits {
  /** Most file system objects (root included) one NAR may hold; bounds the listing's memory. */
  maxListingEntries: number;
  /** Deepest directory nesting; deeper trees cannot be unpacked within PATH_MAX anyway. */
  maxDepth: number;
}

/** Entry names: no file system takes more than 255 bytes; 1024 leaves room and bounds memory. */
const NAME_MAX = 1024;
/** Symlink targets: Linux refuses targets of PATH_MAX (4096) bytes or more. */
const TARGET_MAX = 4095;
const SLASH = 0x2f;

const TYPES = ['regular', 'directory', 'symlink'] as const;
const REGULAR_FIELDS = ['contents', 'executable'] as const;
const DIRECTORY_FIELDS = ['entry', ')'] as const;

/**
 * The NAR grammar over NarReader's steps, building the listing as it goes.
 *
 * It accepts the canonical form archive.cc `dump` writes, checked as strictly as archive.cc
 * `parse`, and stricter where `parse` tolerates what `dump` never writes (a regular file
 * without contents, fields in another order): a NAR that passes restores to a tree whose
 * `nix-store --dump` is the same bytes.
 */
export class NarParser extends NarReader {
  private readonly limits: NarParserLimits;
  private nodes = 0;
  private root: NarListingNode | undefined;

  constructor(limits: NarParserLimits) {
    super();
    this.limits = limits;
    const setRoot = (n: NarListingNode) => {
      this.root = n;
    };
    this.expect(NAR_MAGIC, () =>
      this.node(0, setRoot, () => {
        this.done = true;
      }),
    );
  }

  /** The listing once the whole NAR was fed; throws if it ended early. */
  finish(): NarListing {
    this.checkComplete();
    return { version: 1, root: this.root as NarListingNode };
  }

  /** `( type <t> ... )`: one file system object; `attach` places it, `then` continues after `)`. */
  private node(depth: number, attach: (n: NarListingNode) => void, then: () => void): void {
    if (++this.nodes > this.limits.maxListingEntries) {
      throw bad(
        `the NAR has more than ${this.limits.maxListingEntries} files, the most this server accepts`,
      );
    }
    this.expect('(', () =>
      this.expect('type', () =>
        this.keyword(TYPES, "'regular', 'directory' or 'symlink'", (type) => {
          if (type === 'regular') {
            const n: NarListingRegular = { type: 'regular', size: 0 };
            attach(n);
            this.regular(n, then);
          } else if (type === 'directory') {
            if (depth >= this.limits.maxDepth)
              throw bad(`directories nested deeper than ${this.limits.maxDepth}`);
            const n: NarListingDirectory = { type: 'directory', entries: {} };
            attach(n);
            this.entries(n, depth, undefined, then);
          } else {
            this.symlink(attach, then);
          }
        }),
      ),
    );
  }

  /** `[executable ""] contents <size> <bytes> <padding> )` */
  private regular(n: NarListingRegular, then: () => void): void {
    const contents = () =>
      this.u64('file size', (size) => {
        n.size = size;
        n.narOffset = this.pos;
        this.skip(size, 'file contents', () =>
          this.read(padding(size), 'padding', (pad, p) => {
            this.checkZero(pad, p, p + padding(size));
            this.expect(')', then);
          }),
        );
      });
    this.keyword(REGULAR_FIELDS, "'executable' or 'contents'", (kw) => {
      if (kw === 'contents') return contents();
      n.executable = true;
      this.expect('', () => this.expect('contents', contents));
    });
  }

  /** `target <target> )` */
  private symlink(attach: (n: NarListingNode) => void, then: () => void): void {
    this.expect('target', () =>
      this.string(TARGET_MAX, 'a symlink target', (b, o, n) => {
        const t = b.subarray(o, o + n);
        if (n === 0 || t.includes(0)) throw bad(`invalid symlink target '${printable(t)}'`);
        attach({ type: 'symlink', target: t.toString('utf8') });
        this.expect(')', then);
      }),
    );
  }

  /** `(entry ( name <n> node <node> ))* )`, names strictly increasing bytewise (archive.cc). */
  private entries(
    dir: NarListingDirectory,
    depth: number,
    prev: Buffer | undefined,
    then: () => void,
  ): void {
    this.keyword(DIRECTORY_FIELDS, "'entry' or ')'", (kw) => {
      if (kw === ')') return then();
      this.expect('(', () =>
        this.expect('name', () =>
          this.string(NAME_MAX, 'an entry name', (b, o, n) => {
            const name = Buffer.from(b.subarray(o, o + n));
            checkEntryName(name);
            if (prev && Buffer.compare(name, prev) <= 0) {
              const what = name.equals(prev) ? 'duplicate' : 'unsorted';
              throw bad(`${what} directory entry '${printable(name)}' after '${printable(prev)}'`);
            }
            this.expect('node', () =>
              this.node(
                depth + 1,
                (child) => setEntry(dir, name.toString('utf8'), child),
                () => this.expect(')', () => this.entries(dir, depth, name, then)),
              ),
            );
          }),
        ),
      );
    });
  }
}

/** Names a NAR may hold (archive.cc `parse`): not empty, `.` or `..`, no `/` or NUL. */
function checkEntryName(name: Buffer): void {
  const dots =
    name.length <= 2 && (name.toString('latin1') === '.' || name.toString('latin1') === '..');
  if (name.length === 0 || dots || name.includes(SLASH) || name.includes(0)) {
    throw bad(`invalid file name '${printable(name)}' in the NAR`);
  }
}
