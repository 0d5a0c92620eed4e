/**
 * Where the name lists come from. The sources were read from the public NixOS/nixpkgs
 * repository through a file index that stores file versions by commit (not a full checkout),
 * so each file is pinned to the commit (or index id) of the version read. See
 * bench/lint/extract-names.ts to redo the extraction against a checkout.
 */
export const revision = {
  repository: 'https://github.com/NixOS/nixpkgs',
  /**
   * The index carries no commit dates. make-derivation.nix as read already contains the change
   * of NixOS/nixpkgs#513729 (`meta ? mainProgram`, reviewed 2026-04-26) and the PERF header of
   * #506774 (2026-04-04), so the set reflects nixpkgs master of spring 2026.
   */
  date: '2026-04 or later (dated by make-derivation.nix contents; the index has no commit dates)',
  files: [
    {
      path: 'pkgs/build-support/wrapper-common/utils.bash',
      commit: '4aeb2ba51274688478c2148e08894c355bbc552e',
    },
    {
      path: 'pkgs/build-support/wrapper-common/utils.bash',
      commit: '02f3ac6c07bf148cf229d827f1cf9ed8fcb0b38e',
      layout: 'wrapper_',
    },
    { path: 'pkgs/build-support/cc-wrapper/cc-wrapper.sh', index: '540116511' },
    {
      path: 'pkgs/build-support/cc-wrapper/cc-wrapper.sh',
      commit: '02f3ac6c07bf148cf229d827f1cf9ed8fcb0b38e',
      layout: 'wrapper_',
    },
    {
      path: 'pkgs/build-support/cc-wrapper/add-flags.sh',
      commit: '2e1d0989bcf8968780ca0bd92030d15464791450',
    },
    {
      path: 'pkgs/build-support/cc-wrapper/add-flags.sh',
      index: '70993173589',
      layout: 'wrapper_',
    },
    { path: 'pkgs/build-support/cc-wrapper/add-hardening.sh', index: '58341288166' },
    {
      path: 'pkgs/build-support/cc-wrapper/setup-hook.sh',
      commit: '3aa0e75c373895f257330e49aef203338441d5fd',
    },
    {
      path: 'pkgs/build-support/cc-wrapper/gnat-wrapper.sh',
      commit: '0c45fb70c660a17ae819073864a1ef8d0817ee27',
    },
    {
      path: 'pkgs/build-support/cc-wrapper/add-gnat-extra-flags.sh',
      commit: '85e1e2f3f508f6662710de0f93ae0ebfcdf79589',
      layout: 'wrapper_',
    },
    {
      path: 'pkgs/build-support/cc-wrapper/fortran-hook.sh',
      commit: '16f7bd770da07ef2ba9a23f6121b0d5c66f3b577',
    },
    { path: 'pkgs/build-support/bintools-wrapper/ld-wrapper.sh', index: '47960531' },
    {
      path: 'pkgs/build-support/bintools-wrapper/ld-wrapper.sh',
      commit: '02f3ac6c07bf148cf229d827f1cf9ed8fcb0b38e',
      layout: 'wrapper_',
    },
    {
      path: 'pkgs/build-support/bintools-wrapper/add-flags.sh',
      commit: 'e7f32dbbe630d915314427cb6d70e552fecb44ab',
    },
    {
      path: 'pkgs/build-support/bintools-wrapper/add-hardening.sh',
      commit: 'd0a72af3fefb5175f29ea0910ec55437940f9e07',
    },
    {
      path: 'pkgs/build-support/bintools-wrapper/setup-hook.sh',
      commit: 'c5bb4efae8452a4f08399c2117d71df8360e6dd2',
    },
    {
      path: 'pkgs/build-support/bintools-wrapper/add-darwin-ldflags-before.sh',
      commit: '2a9b3b4943bea5d778da184828492e92512db324',
    },
    {
      path: 'pkgs/build-support/setup-hooks/role.bash',
      commit: '05924f714f31ff83bd10ed1710638688999c3725',
    },
    { path: 'pkgs/stdenv/generic/setup.sh', commit: '183939da54831b11f389d9863a0e5b41aaf1ddc5' },
    { path: 'pkgs/stdenv/generic/make-derivation.nix', index: '51776062159' },
  ],
  /**
   * Two wrapper layouts were found. The `_@suffixSalt@` layout (utils.bash 4aeb2ba5) copies each
   * public input into a salted variable; the newer `wrapper_` layout (02f3ac6c) keeps a private
   * `wrapper_NAME` copy instead. Both read the same public names NAME, NAME_FOR_BUILD and
   * NAME_FOR_TARGET (and NAME_<salt>); names that only the newer layout reads are marked so.
   */
  layouts: ['_@suffixSalt@', 'wrapper_'],
} as const;
