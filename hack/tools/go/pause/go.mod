// Wrapper module of the local node's pause image (see main.go).
module bots-edi-deploy/tools/pause

go 1.26.6
