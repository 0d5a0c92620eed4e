{ pkgs }:
let
  NIX_LET_BINDING = "a let variable is Nix code, not a derivation attribute";
in
pkgs.hello.overrideAttrs (old: {
  NIX_CXX_COMPILE = "-O3";
  NIX_LD_FLAGS = "-lfoo";
  env = {
    NIX_CFLAG_COMPILE = "-g";
  };
  env.NIX_CXXFLAGS_COMPILE = toString [ "-std=c++17" ];
  "NIX_CFLAGS_COMPILE_FOR_BUILD_BEFORE" = "-O0";
  inherit (old) NIX_LDFLAG;
  NIX_CXXSTDLIB_COMPILE = "-isystem ${pkgs.libcxx.dev}/include/c++/v1";
  passthru.value = NIX_LET_BINDING;
})
