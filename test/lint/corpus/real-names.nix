# Every name here is read by nixpkgs' wrappers or stdenv: no findings expected.
{ lib, stdenv, fetchurl, flags ? { } }:

stdenv.mkDerivation (finalAttrs: {
  pname = "real";
  version = "1.0";

  NIX_CFLAGS_COMPILE = "-O2 -march=skylake";
  NIX_CFLAGS_COMPILE_BEFORE = "-I${./include}";
  NIX_CFLAGS_LINK = "-lpthread";
  NIX_CXXSTDLIB_COMPILE = "-isystem ${stdenv.cc.cc}/include/c++";
  NIX_LDFLAGS = [ "-lm" "-lz" ]; # a list is space-joined without __structuredAttrs
  NIX_LDFLAGS_BEFORE = "-L/build/lib";
  NIX_LDFLAGS_AFTER = "-lgcc_s";
  NIX_ENFORCE_NO_NATIVE = true;
  NIX_SET_BUILD_ID = 1;
  NIX_DONT_SET_RPATH = "1";
  NIX_DEBUG = 1;

  # role variants and their _BEFORE/_AFTER forms
  NIX_CFLAGS_COMPILE_FOR_BUILD = "-O1";
  NIX_CFLAGS_COMPILE_BEFORE_FOR_TARGET = "-g";
  NIX_LDFLAGS_AFTER_FOR_BUILD = "-lrt";
  NIX_LDFLAGS_FOR_TARGET = "-L/x";
  "NIX_CXXSTDLIB_LINK_FOR_TARGET" = "-lc++";

  # salted internal name of a wrapper (target x86_64-unknown-linux-gnu)
  NIX_CFLAGS_COMPILE_x86_64_unknown_linux_gnu = "-O2";

  env = {
    NIX_HARDENING_ENABLE = "fortify stackprotector";
    "NIX_CFLAGS_LINK_FOR_BUILD" = "-static";
  };
  env.NIX_GNATFLAGS_COMPILE = "-gnatwa";

  inherit (flags) NIX_DYNAMIC_LINKER;

  preConfigure = ''
    export NIX_CFLAGS_COMPILE+=" -DNDEBUG"
    NIX_LDFLAGS="$NIX_LDFLAGS -L$out/lib"
    export NIX_ENFORCE_PURITY=0
    echo "building with $NIX_BUILD_CORES cores in $NIX_BUILD_TOP (store $NIX_STORE)"
    makeFlagsArray+=(CC="$NIX_CC/bin/cc" "NIX_SSL_CERT_FILE=$NIX_SSL_CERT_FILE")
    if [ -n "''${NIX_DEBUG:-}" ]; then export NIX_CC_USE_RESPONSE_FILE=0; fi
  '';

  shellHook = "export NIX_PATH=nixpkgs=${./.}; export NIX_CONFIG='experimental-features = nix-command'";
})
