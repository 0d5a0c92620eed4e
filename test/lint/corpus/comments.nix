# NIX_CXX_COMPILE = "in a line comment";
/* NIX_LD_FLAGS = "in a block comment";
   export NIX_CFLAG_COMPILE=1 */
{ pkgs }:
pkgs.stdenv.mkDerivation {
  name = "comments"; # NIX_TRAILING_COMMENT = 1;
  /* inline */ NIX_CFLAGS_COMPILE = /* NIX_INSIDE = 1; */ "-O2";
  description = "NIX_CXX_COMPILE=1 in a description";
  postInstall = ''
    # export NIX_SHELL_COMMENT=1
    echo "see NIX_CFLAGS_COMPILE docs"   # NIX_AFTER_CODE=1
  '';
  url = "https://example.org/NIX_LD_FLAGS=1";
}
