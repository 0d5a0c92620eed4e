{ stdenv, lib }:
stdenv.mkDerivation {
  name = "shell";
  buildPhase = ''
      export NIX_CXX_COMPILE="-O2"
    NIX_LD_FLAGS+=" -lbar"   # NIX_IN_SHELL_COMMENT=1 is a comment
    # export NIX_COMMENTED_OUT=1
    echo ''${NIX_FROM_NOWHERE:-default} and ''$NIX_TOO
    echo ${lib.optionalString true "export NIX_IN_NESTED_STRING=1"}
    echo '$NIX_SINGLE_QUOTED' "NIX_PROSE_IN_QUOTES=fine"
    ${"NIX_AS_NIX_ATTR_NAME"}=1
    ${NIX_NIX_VARIABLE}
  '';
  checkPhase = "NIX_DQ_ASSIGN=1 make check; export NIX_DQ_EXPORTED";
  meta.description = "Set NIX_FOO=1 and read $NIX_BAR: prose, not shell";
}
