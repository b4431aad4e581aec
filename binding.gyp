{
  "targets": [
    {
      "target_name": "warden_gcm",
      "sources": ["native/warden_gcm.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "libraries": ["-ldl"]
    }
  ]
}
