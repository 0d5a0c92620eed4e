# A NixOS module for larder on one machine. Import it and set, for example:
#   services.larder = { enable = true; package = pkgs.callPackage ./package.nix { };
#                       settings = { public_url = "https://cache.example.org"; }; };
# `package` must provide bin/larder (the npm package built with its dependencies).
{ config, lib, pkgs, ... }:
let
  cfg = config.services.larder;
  toml = pkgs.formats.toml { };
  configFile = toml.generate "larder.toml" cfg.settings;
in
{
  options.services.larder = {
    enable = lib.mkEnableOption "larder, a Nix binary cache with tiered retention";
    package = lib.mkOption {
      type = lib.types.package;
      description = "The larder package (provides bin/larder).";
    };
    listen = lib.mkOption {
      type = lib.types.str;
      default = "127.0.0.1:7745";
      description = "Address and port to listen on.";
    };
    settings = lib.mkOption {
      type = toml.type;
      default = { };
      description = "larder.toml contents (see the README's configuration reference).";
    };
    environmentFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      description = "File with secrets as LARDER_* variables (S3 keys, PostgreSQL URL).";
    };
    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Open the listen port in the firewall.";
    };
  };

  config = lib.mkIf cfg.enable {
    systemd.services.larder = {
      description = "larder Nix binary cache";
      wantedBy = [ "multi-user.target" ];
      after = [ "network-online.target" ];
      wants = [ "network-online.target" ];
      environment.LARDER_LISTEN = cfg.listen;
      serviceConfig = {
        ExecStart = "${cfg.package}/bin/larder serve --data-dir /var/lib/larder --config ${configFile}";
        DynamicUser = true;
        StateDirectory = "larder";
        WorkingDirectory = "/var/lib/larder";
        EnvironmentFile = lib.mkIf (cfg.environmentFile != null) cfg.environmentFile;
        Restart = "on-failure";
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        PrivateDevices = true;
        RestrictAddressFamilies = [ "AF_INET" "AF_INET6" "AF_UNIX" ];
      };
    };
    networking.firewall.allowedTCPPorts =
      lib.mkIf cfg.openFirewall [ (lib.toInt (lib.last (lib.splitString ":" cfg.listen))) ];
  };
}
