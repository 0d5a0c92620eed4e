{ stdenv }:
{
  envList = stdenv.mkDerivation {
    name = "env-list";
    env.NIX_LDFLAGS = [ "-lm" ];
    env = {
      NIX_CFLAGS_COMPILE = [ "-O2" ];
    };
  };
  overlap = stdenv.mkDerivation {
    name = "overlap";
    NIX_CFLAGS_LINK = "-lm";
    env.NIX_CFLAGS_LINK = "-lz";
  };
  structured = stdenv.mkDerivation {
    name = "structured";
    __structuredAttrs = true;
    NIX_CFLAGS_COMPILE = "-O3";
    env.NIX_LDFLAGS = "-lm";
  };
  bools = stdenv.mkDerivation {
    name = "bools";
    NIX_ENFORCE_NO_NATIVE = "true";
    NIX_DONT_SET_RPATH_FOR_TARGET = "yes";
    NIX_SET_BUILD_ID = false;
    preBuild = ''
      export NIX_ENFORCE_PURITY=no
      NIX_NO_SELF_RPATH=1
    '';
  };
  hardening = stdenv.mkDerivation {
    name = "hardening";
    hardeningDisable = [ "fortify" ];
    NIX_HARDENING_ENABLE = "pic";
  };
  hardeningEnv = stdenv.mkDerivation {
    name = "hardening-env";
    hardeningEnable = [ "pie" ];
    env.NIX_HARDENING_ENABLE = "pic";
  };
  hardeningEmpty = stdenv.mkDerivation {
    name = "hardening-empty";
    hardeningDisable = [ ];
    NIX_HARDENING_ENABLE = "pic";
  };
}
